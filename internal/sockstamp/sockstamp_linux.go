package sockstamp

import (
	"encoding/binary"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// Received finds the receive time (SO_TIMESTAMPNS) in a recvmsg's control messages oob.
func Received(oob []byte) (time.Time, bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return time.Time{}, false
	}
	for _, m := range msgs {
		if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_TIMESTAMPNS {
			return timespec(m.Data)
		}
	}
	return time.Time{}, false
}

// Sent finds the software transmit time (SO_TIMESTAMPING, read from the error queue) in a
// recvmsg's control messages oob.
func Sent(oob []byte) (time.Time, bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return time.Time{}, false
	}
	for _, m := range msgs {
		if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_TIMESTAMPING {
			// Three timespecs, the software one first; zero where the kernel gave none.
			if at, ok := timespec(m.Data); ok && !at.Equal(time.Unix(0, 0)) {
				return at, true
			}
		}
	}
	return time.Time{}, false
}

// timespec reads the struct timespec at the start of d: two longs of the platform's size.
func timespec(d []byte) (time.Time, bool) {
	if strconv.IntSize == 64 && len(d) >= 16 {
		return time.Unix(int64(binary.NativeEndian.Uint64(d)), int64(binary.NativeEndian.Uint64(d[8:]))), true
	}
	if strconv.IntSize == 32 && len(d) >= 8 {
		return time.Unix(int64(int32(binary.NativeEndian.Uint32(d))), int64(int32(binary.NativeEndian.Uint32(d[4:])))), true
	}
	return time.Time{}, false
}
