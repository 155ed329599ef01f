package sockstamp

import (
	"encoding/binary"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// cmsg builds one control message of level SOL_SOCKET, type typ, holding the timespecs ts.
func cmsg(typ int32, ts ...time.Time) []byte {
	data := make([]byte, 0, 16*len(ts))
	for _, t := range ts {
		data = binary.NativeEndian.AppendUint64(data, uint64(t.Unix()))
		data = binary.NativeEndian.AppendUint64(data, uint64(t.Nanosecond()))
	}
	b := make([]byte, unix.CmsgSpace(len(data)))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level, h.Type = unix.SOL_SOCKET, typ
	h.SetLen(unix.CmsgLen(len(data)))
	copy(b[unix.CmsgLen(0):], data)
	return b
}

func TestReceivedAndSent(t *testing.T) {
	if unsafe.Sizeof(int(0)) != 8 {
		t.Skip("the messages are built with 64-bit timespecs")
	}
	at := time.Unix(1_764_000_000, 123_456_789)
	if got, ok := Received(cmsg(unix.SCM_TIMESTAMPNS, at)); !ok || !got.Equal(at) {
		t.Errorf("Received(SCM_TIMESTAMPNS %v) = %v, %v", at, got, ok)
	}
	if _, ok := Received(cmsg(unix.SCM_TIMESTAMPING, at)); ok {
		t.Errorf("Received found a receive time in a transmit stamp")
	}
	// SO_TIMESTAMPING gives three timespecs, the software one first, zero where there is none.
	if got, ok := Sent(cmsg(unix.SCM_TIMESTAMPING, at, time.Unix(0, 0), time.Unix(0, 0))); !ok || !got.Equal(at) {
		t.Errorf("Sent(SCM_TIMESTAMPING %v) = %v, %v", at, got, ok)
	}
	if _, ok := Sent(cmsg(unix.SCM_TIMESTAMPING, time.Unix(0, 0), time.Unix(0, 0), time.Unix(0, 0))); ok {
		t.Errorf("Sent took a zero software stamp as a time")
	}
	if _, ok := Received(nil); ok {
		t.Errorf("Received(nil) found a time")
	}
}
