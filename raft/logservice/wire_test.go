package logservice

import (
	"bytes"
	"testing"
)

func TestCmdWireRoundTrip(t *testing.T) {
	b := encodeRequest(nil, 7, 3, []byte("5.7"))
	seq, burst, data, err := decodeRequest(b)
	if err != nil || seq != 7 || burst != 3 || string(data) != "5.7" {
		t.Fatalf("%d %d %q %v", seq, burst, data, err)
	}
	r := encodeReply(nil, 9, cmdLost, 2)
	seq, st, lead, err := decodeReply(r)
	if err != nil || seq != 9 || st != cmdLost || lead != 2 {
		t.Fatalf("%d %d %d %v", seq, st, lead, err)
	}
	for i := range b {
		if _, _, _, err := decodeRequest(b[:i]); err == nil {
			t.Errorf("truncated request of %d bytes accepted", i)
		}
		flipped := bytes.Clone(b)
		flipped[i] ^= 0x10
		if _, _, _, err := decodeRequest(flipped); err == nil {
			t.Errorf("request with byte %d flipped accepted", i)
		}
	}
}

// FuzzCmdWire: any bytes decode to a message or an error, never a panic.
func FuzzCmdWire(f *testing.F) {
	f.Add(encodeRequest(nil, 1, 1, []byte("x")))
	f.Add(encodeReply(nil, 1, cmdOK, -1))
	f.Fuzz(func(t *testing.T, b []byte) {
		if seq, burst, data, err := decodeRequest(b); err == nil {
			s2, b2, d2, err := decodeRequest(encodeRequest(nil, seq, burst, data))
			if err != nil || s2 != seq || b2 != burst || !bytes.Equal(d2, data) {
				t.Fatalf("request does not survive a round trip")
			}
		}
		if seq, st, lead, err := decodeReply(b); err == nil {
			s2, st2, l2, err := decodeReply(encodeReply(nil, seq, st, lead))
			if err != nil || s2 != seq || st2 != st || l2 != lead {
				t.Fatalf("reply does not survive a round trip")
			}
		}
	})
}
