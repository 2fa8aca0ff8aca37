package realenv

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

func TestFrameRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	msgs := [][]byte{[]byte("one"), {}, bytes.Repeat([]byte{7}, 70_000)}
	if err := writeHello(w, 3); err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if err := writeFrame(w, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(&buf)
	if from, err := readHello(r, 4); err != nil || from != 3 {
		t.Fatalf("readHello = %d, %v; want 3", from, err)
	}
	for i, want := range msgs {
		got, err := readFrame(r)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("frame %d: %d bytes, %v; want %d bytes", i, len(got), err, len(want))
		}
	}
	if _, err := readFrame(r); !errors.Is(err, io.EOF) {
		t.Errorf("after the last frame: %v, want io.EOF", err)
	}
}

func TestHelloRefused(t *testing.T) {
	var good bytes.Buffer
	writeHello(&good, 5)
	for name, b := range map[string][]byte{
		"bad magic":   append([]byte("http"), good.Bytes()[4:]...),
		"bad version": append(append([]byte{}, good.Bytes()[:4]...), append([]byte{99}, good.Bytes()[5:]...)...),
		"unknown id":  good.Bytes(), // node 5 of 3
	} {
		if _, err := readHello(bytes.NewReader(b), 3); !errors.Is(err, errBadHello) {
			t.Errorf("%s: %v, want errBadHello", name, err)
		}
	}
	if _, err := readHello(bytes.NewReader(good.Bytes()[:3]), 9); err == nil {
		t.Error("a truncated hello was accepted")
	}
}

func TestFrameTooLarge(t *testing.T) {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], MaxMessage+1)
	if _, err := readFrame(bytes.NewReader(b[:])); err == nil {
		t.Error("a frame over MaxMessage was accepted")
	}
	binary.BigEndian.PutUint32(b[:], 10)
	if _, err := readFrame(bytes.NewReader(append(b[:], "short"...))); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a truncated frame: %v, want io.ErrUnexpectedEOF", err)
	}
}
