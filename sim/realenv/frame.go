package realenv

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The wire between two real nodes. A connection carries messages one way: the
// dialer opens it with a hello naming itself, then sends frames, each a 4-byte
// big-endian length and that many bytes of message.

// MaxMessage is the largest message a node sends or accepts; larger ones are
// dropped, as the simulated network may drop any message.
const MaxMessage = 64 << 20

// helloMagic starts every connection, so a stray client is refused at once.
var helloMagic = [4]byte{'d', 's', 'i', 'm'}

const wireVersion = 1

const helloSize = 9 // magic, version, sender id as uint32

var errBadHello = errors.New("bad hello")

func writeHello(w io.Writer, from int) error {
	var b [helloSize]byte
	copy(b[:], helloMagic[:])
	b[4] = wireVersion
	binary.BigEndian.PutUint32(b[5:], uint32(from))
	_, err := w.Write(b[:])
	return err
}

// readHello returns the sender named by a connection's hello; it must be below
// nodes.
func readHello(r io.Reader, nodes int) (int, error) {
	var b [helloSize]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return 0, err
	}
	if [4]byte(b[:4]) != helloMagic || b[4] != wireVersion {
		return 0, errBadHello
	}
	from := binary.BigEndian.Uint32(b[5:])
	if from >= uint32(nodes) {
		return 0, fmt.Errorf("%w: sender %d of %d nodes", errBadHello, from, nodes)
	}
	return int(from), nil
}

func writeFrame(w *bufio.Writer, msg []byte) error {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(msg)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	_, err := w.Write(msg)
	return err
}

// readFrame reads one message into a new buffer, which the receiver owns.
func readFrame(r io.Reader) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > MaxMessage {
		return nil, fmt.Errorf("frame of %d bytes exceeds the limit of %d", size, MaxMessage)
	}
	msg := make([]byte, size)
	if _, err := io.ReadFull(r, msg); err != nil {
		return nil, err
	}
	return msg, nil
}
