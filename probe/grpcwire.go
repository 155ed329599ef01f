package probe

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// What gRPC's health check puts on the wire, written out: one unary call is an HTTP/2 POST of a
// length-prefixed protobuf message, answered by one such message and a grpc-status trailer
// (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md). The health service's two
// messages have one field each (grpc/health/v1/health.proto).

// grpcCode is a gRPC status code (google.golang.org/grpc/codes).
type grpcCode uint32

// The codes uptty words itself; the others are named by String.
const (
	grpcOK            grpcCode = 0
	grpcUnknown       grpcCode = 2
	grpcNotFound      grpcCode = 5
	grpcUnimplemented grpcCode = 12
	grpcInternal      grpcCode = 13
	grpcUnavailable   grpcCode = 14
)

var grpcCodeNames = [...]string{
	"OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound",
	"AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted",
	"OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated",
}

// String is the code's name as grpc-go spells it: "PermissionDenied", "Code(99)".
func (c grpcCode) String() string {
	if int(c) < len(grpcCodeNames) {
		return grpcCodeNames[c]
	}
	return "Code(" + strconv.FormatUint(uint64(c), 10) + ")"
}

// grpcStatus is a call's status other than OK, as the server (or its HTTP status) gave it.
type grpcStatus struct {
	code    grpcCode
	message string
}

func (s *grpcStatus) Error() string { return s.code.String() + ": " + s.message }

// servingStatus is grpc.health.v1.HealthCheckResponse.ServingStatus.
type servingStatus uint64

const servingStatusServing servingStatus = 1

var servingStatusNames = [...]string{"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"}

// String is the value's name in health.proto, or its number for one the proto does not name
// (as protobuf-go writes it).
func (s servingStatus) String() string {
	if s < servingStatus(len(servingStatusNames)) {
		return servingStatusNames[s]
	}
	return strconv.FormatUint(uint64(s), 10)
}

// grpcMaxMessage bounds the response read: a HealthCheckResponse is 2 bytes.
const grpcMaxMessage = 64 << 10

// callHealth calls grpc.health.v1.Health/Check for service at addr through rt (HTTP/2).
// A status other than OK comes back as a *grpcStatus error.
func callHealth(ctx context.Context, rt http.RoundTripper, tls bool, addr, service string) (servingStatus, error) {
	scheme := "http"
	if tls {
		scheme = "https"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, scheme+"://"+addr+"/grpc.health.v1.Health/Check",
		bytes.NewReader(healthRequest(service)))
	if err != nil {
		return 0, err
	}
	req.Header = http.Header{
		"Content-Type": {"application/grpc"},
		"Te":           {"trailers"},
		"User-Agent":   {"uptty"},
	}
	if deadline, ok := ctx.Deadline(); ok {
		req.Header["Grpc-Timeout"] = []string{grpcTimeout(time.Until(deadline))}
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, grpcMaxMessage+5))
	if err != nil {
		return 0, err
	}
	if st := responseStatus(resp); st != nil {
		return 0, st
	}
	msg, err := unframe(body)
	if err != nil {
		return 0, &grpcStatus{grpcInternal, err.Error()}
	}
	return healthResponse(msg)
}

// healthRequest is a framed HealthCheckRequest{service}.
func healthRequest(service string) []byte {
	var msg []byte
	if service != "" {
		msg = append(msg, 0x0a) // field 1, length-delimited
		msg = binary.AppendUvarint(msg, uint64(len(service)))
		msg = append(msg, service...)
	}
	framed := make([]byte, 5, 5+len(msg))
	binary.BigEndian.PutUint32(framed[1:], uint32(len(msg)))
	return append(framed, msg...)
}

// grpcTimeout is d as a grpc-timeout header: at most 8 digits and a unit.
func grpcTimeout(d time.Duration) string {
	d = max(d, time.Millisecond)
	if ms := d.Milliseconds(); ms < 1e8 {
		return strconv.FormatInt(ms, 10) + "m"
	}
	return strconv.FormatInt(min(int64(d/time.Second), 1e8-1), 10) + "S"
}

// responseStatus is the call's status if not OK, nil if OK: grpc-status from the trailers, or
// from the headers of a trailers-only response, or else what the HTTP status says.
func responseStatus(resp *http.Response) *grpcStatus {
	code, message := resp.Trailer.Get("Grpc-Status"), resp.Trailer.Get("Grpc-Message")
	if code == "" {
		code, message = resp.Header.Get("Grpc-Status"), resp.Header.Get("Grpc-Message")
	}
	if code == "" {
		if resp.StatusCode != http.StatusOK {
			return &grpcStatus{httpStatusCode(resp.StatusCode),
				fmt.Sprintf("unexpected HTTP status code received from server: %d (%s)", resp.StatusCode, http.StatusText(resp.StatusCode))}
		}
		return &grpcStatus{grpcInternal, "server closed the stream without sending trailers"}
	}
	n, err := strconv.ParseUint(code, 10, 32)
	if err != nil {
		return &grpcStatus{grpcInternal, "malformed grpc-status " + strconv.Quote(code)}
	}
	if grpcCode(n) == grpcOK {
		return nil
	}
	if decoded, err := url.PathUnescape(message); err == nil {
		message = decoded
	}
	return &grpcStatus{grpcCode(n), message}
}

// httpStatusCode is the gRPC code for an HTTP status that came without one, as grpc-go maps it.
func httpStatusCode(status int) grpcCode {
	switch status {
	case http.StatusBadRequest:
		return grpcInternal
	case http.StatusUnauthorized:
		return 16 // Unauthenticated
	case http.StatusForbidden:
		return 7 // PermissionDenied
	case http.StatusNotFound:
		return grpcUnimplemented
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return grpcUnavailable
	}
	return grpcUnknown
}

// unframe is the one message of a unary response body.
func unframe(body []byte) ([]byte, error) {
	if len(body) < 5 {
		return nil, errors.New("response without a message")
	}
	if body[0] != 0 {
		return nil, errors.New("compressed response, which was not asked for")
	}
	n := binary.BigEndian.Uint32(body[1:5])
	if n > grpcMaxMessage || int(n) != len(body)-5 {
		return nil, fmt.Errorf("response message of %d bytes in a body of %d", n, len(body))
	}
	return body[5:], nil
}

// healthResponse reads HealthCheckResponse's status (field 1, a varint), skipping any field a
// newer proto may add.
func healthResponse(msg []byte) (servingStatus, error) {
	var status servingStatus
	for len(msg) > 0 {
		key, n := binary.Uvarint(msg)
		if n <= 0 {
			return 0, errMalformedHealth
		}
		msg = msg[n:]
		field, wire := key>>3, key&7
		switch wire {
		case 0: // varint
			v, n := binary.Uvarint(msg)
			if n <= 0 {
				return 0, errMalformedHealth
			}
			msg = msg[n:]
			if field == 1 {
				status = servingStatus(v)
			}
		case 1, 5: // fixed 64 and 32 bits
			size := 8
			if wire == 5 {
				size = 4
			}
			if len(msg) < size {
				return 0, errMalformedHealth
			}
			msg = msg[size:]
		case 2: // length-delimited
			l, n := binary.Uvarint(msg)
			if n <= 0 || l > uint64(len(msg)-n) {
				return 0, errMalformedHealth
			}
			msg = msg[n+int(l):]
		default:
			return 0, errMalformedHealth
		}
	}
	return status, nil
}

var errMalformedHealth = &grpcStatus{grpcInternal, "malformed HealthCheckResponse"}
