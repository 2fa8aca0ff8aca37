// Package logservice is the smallest service that gives Raft a real
// workload: servers that acknowledge each client's command once it is
// applied, and clients that submit commands one at a time and retry them
// through timeouts and leader changes. The raft scenarios drive it; like
// any system under test it sees only sim.Env.
package logservice

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// The command protocol between clients and servers, version 1:
//
//	request: 'C' 1 seq burst data... crc32c
//	reply:   'c' 1 seq status leader+1 crc32c
//
// Numbers are uvarints. It is the smallest service that gives Raft a real
// workload; the KV service has its own protocol.
const (
	RequestTag = 'C'
	ReplyTag   = 'c'
	cmdVersion = 1
)

type cmdStatus uint8

const (
	cmdOK        cmdStatus = iota + 1 // committed and applied at the index it was given
	cmdNotLeader                      // try the hinted leader, or another server
	cmdLost                           // another entry took its index: retry
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

var errBadCmd = errors.New("bad command message")

func seal(b []byte) []byte {
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crcTable))
}

func unseal(b []byte, tag byte) ([]byte, error) {
	if len(b) < 6 || b[0] != tag || b[1] != cmdVersion {
		return nil, errBadCmd
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, crcTable) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return nil, errBadCmd
	}
	return body[2:], nil
}

// encodeRequest asks for burst commands, data/0 … data/burst-1, in a row.
func encodeRequest(b []byte, seq uint64, burst int, data []byte) []byte {
	b = append(b, RequestTag, cmdVersion)
	b = binary.AppendUvarint(b, seq)
	b = binary.AppendUvarint(b, uint64(burst))
	return seal(append(b, data...))
}

func decodeRequest(b []byte) (seq uint64, burst int, data []byte, err error) {
	body, err := unseal(b, RequestTag)
	if err != nil {
		return 0, 0, nil, err
	}
	seq, n := binary.Uvarint(body)
	if n <= 0 {
		return 0, 0, nil, errBadCmd
	}
	k, m := binary.Uvarint(body[n:])
	if m <= 0 || k == 0 || k > 1000 {
		return 0, 0, nil, errBadCmd
	}
	return seq, int(k), body[n+m:], nil
}

func encodeReply(b []byte, seq uint64, st cmdStatus, leader int) []byte {
	b = append(b, ReplyTag, cmdVersion)
	b = binary.AppendUvarint(b, seq)
	b = append(b, byte(st))
	b = binary.AppendUvarint(b, uint64(leader+1))
	return seal(b)
}

func decodeReply(b []byte) (seq uint64, st cmdStatus, leader int, err error) {
	body, err := unseal(b, ReplyTag)
	if err != nil {
		return 0, 0, 0, err
	}
	seq, n := binary.Uvarint(body)
	if n <= 0 || len(body) < n+1 {
		return 0, 0, 0, errBadCmd
	}
	st = cmdStatus(body[n])
	l, m := binary.Uvarint(body[n+1:])
	if m <= 0 || st < cmdOK || st > cmdLost || l > 1<<16 {
		return 0, 0, 0, errBadCmd
	}
	return seq, st, int(l) - 1, nil
}

// Describe renders a request or a reply for the trace; ok is false when msg
// is neither (another protocol's message).
func Describe(msg []byte) (text string, ok bool) {
	if len(msg) == 0 {
		return "", false
	}
	switch msg[0] {
	case RequestTag:
		seq, burst, data, err := decodeRequest(msg)
		if err != nil {
			return "bad request", true
		}
		return fmt.Sprintf("request seq=%d burst=%d %q", seq, burst, data), true
	case ReplyTag:
		seq, st, lead, err := decodeReply(msg)
		if err != nil {
			return "bad reply", true
		}
		return fmt.Sprintf("reply seq=%d status=%d leader=%d", seq, st, lead), true
	}
	return "", false
}
