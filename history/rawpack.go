package history

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"math"
	"slices"
)

// Raw results older than the hour before the current one are packed too, one raw_pack row per
// service per hour: a result row took ~22 B on disk, 132 MB of the 90 days of 1,000 services
// at 30 s (two days of raw results). A packed result keeps everything the row held (its start
// to the millisecond, latency to the µs, pass or fail, reason); what changes is only where it
// is. The newest results stay rows: the writer inserts them and the live reads are of them.
//
// The blob is a format byte (packFlate or not) and a body of varint columns:
//
//	n                   results, in order of start
//	k, k × (len, text)  the reasons, each once
//	n × start           zigzag difference of the gap from the previous one's gap (the first
//	                    gap is from the hour's start): a steady interval costs a byte
//	n × latency         µs
//	n × flags           1 passed, 2 has a reason
//	for each result with a reason: its index among the reasons
const rawMaxResults = 1 << 20

// rawResult is one raw result: its start (ms), latency (µs), pass or fail, and the failure
// reason or the warning of a passing check ("" when none).
type rawResult struct {
	at, latency int64
	ok          bool
	reason      string
}

// encodeRaw packs results sorted by start, all within one hour.
func encodeRaw(hour int64, rs []rawResult) []byte {
	b := binary.AppendUvarint(make([]byte, 0, 4*len(rs)+16), uint64(len(rs)))
	index := map[string]int{}
	var reasons []string
	for _, r := range rs {
		if _, ok := index[r.reason]; !ok && r.reason != "" {
			index[r.reason] = len(reasons)
			reasons = append(reasons, r.reason)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(reasons)))
	for _, s := range reasons {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	prev, gap := hour, int64(0)
	for _, r := range rs {
		b = binary.AppendVarint(b, (r.at-prev)-gap)
		prev, gap = r.at, r.at-prev
	}
	for _, r := range rs {
		b = binary.AppendUvarint(b, uint64(max(r.latency, 0)))
	}
	for _, r := range rs {
		var f byte
		if r.ok {
			f |= 1
		}
		if r.reason != "" {
			f |= 2
		}
		b = append(b, f)
	}
	for _, r := range rs {
		if r.reason != "" {
			b = binary.AppendUvarint(b, uint64(index[r.reason]))
		}
	}
	out := make([]byte, 0, len(b)+1)
	if len(b) > 32 {
		if z := deflate(b); len(z) < len(b) {
			return append(append(out, packFlate), z...)
		}
	}
	return append(append(out, packPlain), b...)
}

// decodeRaw calls fn with each result of a packed hour, in order of start. A damaged blob is
// an error, possibly after some results were handed to fn.
func decodeRaw(hour int64, blob []byte, fn func(r rawResult)) error {
	if len(blob) == 0 || blob[0]&^packFlate != 0 {
		return errBadPack
	}
	body := blob[1:]
	if blob[0]&packFlate != 0 {
		var err error
		if body, err = inflate(body); err != nil {
			return err
		}
	}
	d := packReader{b: body}
	n := int(d.uvarint(uint64(min(len(body), rawMaxResults))))
	k := int(d.uvarint(uint64(len(d.b))))
	reasons := make([]string, 0, k)
	for range k {
		l := d.uvarint(uint64(len(d.b)))
		if d.err != nil || l > uint64(len(d.b)) {
			return errBadPack
		}
		reasons = append(reasons, string(d.b[:l]))
		d.b = d.b[l:]
	}
	if d.err != nil || n > len(d.b) {
		return errBadPack
	}
	rs := make([]rawResult, n)
	prev, gap := hour, int64(0)
	for i := range rs {
		z := d.varint()
		if z < -hourMS || z > hourMS {
			return errBadPack
		}
		gap += z
		if gap < 0 || i > 0 && gap == 0 || prev+gap >= hour+hourMS {
			return errBadPack
		}
		prev += gap
		rs[i].at = prev
	}
	for i := range rs {
		rs[i].latency = int64(d.uvarint(packMaxLatency))
	}
	flags := make([]byte, n)
	for i := range flags {
		if flags[i] = byte(d.uvarint(3)); d.err != nil {
			return errBadPack
		}
		rs[i].ok = flags[i]&1 != 0
	}
	for i := range rs {
		if flags[i]&2 != 0 {
			j := d.uvarint(uint64(max(len(reasons)-1, 0)))
			if d.err != nil || len(reasons) == 0 {
				return errBadPack
			}
			rs[i].reason = reasons[j]
		}
	}
	if d.err != nil || len(d.b) > 0 {
		return errBadPack
	}
	for _, r := range rs {
		fn(r)
	}
	return nil
}

const (
	qSelectRawPack  = "SELECT data FROM raw_pack WHERE service = ? AND start = ?"
	qReplaceRawPack = "INSERT OR REPLACE INTO raw_pack (service, start, data) VALUES (?, ?, ?)"
)

// eachRaw calls fn with each raw result of the service that starts in [from, to): the rows of
// result and the packed hours of raw_pack (a result is in one or the other). The order is not
// that of start.
func eachRaw(ctx context.Context, q querier, id, from, to int64, fn func(r rawResult)) error {
	rows, err := q.QueryContext(ctx, "SELECT at, latency, ok FROM result WHERE service = ? AND at >= ? AND at < ?", id, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r rawResult
		if err := rows.Scan(&r.at, &r.latency, &r.ok); err != nil {
			return err
		}
		fn(r)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	return eachRawPack(ctx, q, id, floorTo(from, hourMS), to, "", func(hour int64, blob []byte) error {
		return decodeRaw(hour, blob, func(r rawResult) {
			if r.at >= from && r.at < to {
				fn(r)
			}
		})
	})
}

// eachRawPack calls fn with each packed hour of the service that starts in [from, to), in
// order (order "DESC": newest first) until fn returns errStop or another error.
func eachRawPack(ctx context.Context, q querier, id, from, to int64, order string, fn func(hour int64, blob []byte) error) error {
	rows, err := q.QueryContext(ctx, "SELECT start, data FROM raw_pack WHERE service = ? AND start >= ? AND start < ? ORDER BY start "+order, id, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var hour int64
		var blob sql.RawBytes
		if err := rows.Scan(&hour, &blob); err != nil {
			return err
		}
		if err := fn(hour, blob); err != nil {
			if err == errStop {
				return nil
			}
			return err
		}
	}
	return rows.Err()
}

// errStop ends a walk early, without an error.
var errStop = errorString("stop")

type errorString string

func (e errorString) Error() string { return string(e) }

// packRaw moves the oldest chunk of a service's raw result rows before cutoff (an hour) into
// raw_pack, in one transaction. done reports that none are left.
func (w *writer) packRaw(service, cutoff int64) (done bool, err error) {
	tx, err := w.db.Begin()
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	rows, err := tx.Query("SELECT at, latency, ok, reason FROM result WHERE service = ? AND at < ? ORDER BY at LIMIT ?",
		service, cutoff, w.s.opts.rollupChunk)
	if err != nil {
		return false, err
	}
	hours := map[int64][]rawResult{}
	n, last := 0, int64(0)
	for rows.Next() {
		var r rawResult
		var reason sql.NullString
		if err := rows.Scan(&r.at, &r.latency, &r.ok, &reason); err != nil {
			rows.Close()
			return false, err
		}
		r.reason = reason.String
		h := floorTo(r.at, hourMS)
		hours[h] = append(hours[h], r)
		n, last = n+1, r.at
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	if n == 0 {
		return true, nil
	}
	for hour, rs := range hours {
		if err := w.mergeRaw(tx, service, hour, rs); err != nil {
			return false, err
		}
	}
	if _, err := tx.Exec("DELETE FROM result WHERE service = ? AND at <= ?", service, last); err != nil {
		return false, err
	}
	return n < w.s.opts.rollupChunk, tx.Commit()
}

// mergeRaw adds results of one hour to the service's packed hour, creating it; a result at a
// start the hour holds already is dropped, as a row would be.
func (w *writer) mergeRaw(tx *sql.Tx, service, hour int64, rs []rawResult) error {
	var blob []byte
	err := w.stmts.queryRow(tx, qSelectRawPack, service, hour).Scan(&blob)
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		return err
	default:
		var old []rawResult
		if err := decodeRaw(hour, blob, func(r rawResult) { old = append(old, r) }); err != nil {
			return err
		}
		rs = append(old, rs...)
	}
	slices.SortStableFunc(rs, func(a, b rawResult) int { return cmp.Compare(a.at, b.at) })
	rs = slices.CompactFunc(rs, func(a, b rawResult) bool { return a.at == b.at })
	_, err = w.stmts.exec(tx, qReplaceRawPack, service, hour, encodeRaw(hour, rs))
	return err
}

// rollupRawPacks turns the packed raw results of a service before cutoff into per-minute
// aggregates, an hour per transaction: the hour the cutoff falls in keeps its results from
// the cutoff on. done reports that none are left.
func (w *writer) rollupRawPacks(service, cutoff int64) (done bool, err error) {
	tx, err := w.db.Begin()
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var hour int64
	var blob []byte
	err = tx.QueryRow("SELECT start, data FROM raw_pack WHERE service = ? AND start < ? ORDER BY start LIMIT 1", service, cutoff).Scan(&hour, &blob)
	if err == sql.ErrNoRows {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	var m hourMinutes
	var keep []rawResult
	err = decodeRaw(hour, blob, func(r rawResult) {
		if r.at < cutoff {
			m[(r.at-hour)/minuteMS].add(r.latency, r.ok)
		} else {
			keep = append(keep, r)
		}
	})
	if err != nil {
		return false, err
	}
	var rolled int64
	for i := range m {
		rolled += m[i].checks
	}
	if rolled == 0 {
		return true, nil // the hour the cutoff falls in, all of it from the cutoff on
	}
	if err := w.mergeMinutes(tx, service, hour, &m); err != nil {
		return false, err
	}
	if len(keep) > 0 {
		_, err = w.stmts.exec(tx, qReplaceRawPack, service, hour, encodeRaw(hour, keep))
	} else {
		_, err = tx.Exec("DELETE FROM raw_pack WHERE service = ? AND start = ?", service, hour)
	}
	if err != nil {
		return false, err
	}
	// The hour the cutoff falls in is the last to roll up.
	return hour+hourMS > cutoff, tx.Commit()
}

// newestRaw returns the start of the service's newest raw result, packed or not.
func newestRaw(ctx context.Context, q querier, id int64) (sql.NullInt64, error) {
	var newest sql.NullInt64
	if err := q.QueryRowContext(ctx, "SELECT max(at) FROM result WHERE service = ?", id).Scan(&newest); err != nil || newest.Valid {
		return newest, err
	}
	err := eachRawPack(ctx, q, id, math.MinInt64, math.MaxInt64, "DESC", func(hour int64, blob []byte) error {
		err := decodeRaw(hour, blob, func(r rawResult) { newest = sql.NullInt64{Int64: r.at, Valid: true} })
		if err == nil && newest.Valid {
			return errStop
		}
		return err
	})
	return newest, err
}

// DecodeRawPack calls fn with each result of a packed hour of raw results (a raw_pack row:
// its start and data), in order of start: ms, µs, passed. It is for tools that read a history
// file themselves (bench/farm), and which see the results of the hours before the last one
// only there. A damaged blob is an error.
func DecodeRawPack(hour int64, blob []byte, fn func(at, latency int64, ok bool)) error {
	return decodeRaw(hour, blob, func(r rawResult) { fn(r.at, r.latency, r.ok) })
}
