package history

import "database/sql"

// hotQueries are the writer's statements for every result and every aggregate, prepared once
// when the writer starts: SQLite would otherwise parse their text again for every result
// (40% of the writer's CPU at 10,000 results a second).
var hotQueries = []string{
	qInsertResult, qSelectService, qInsertService, qUpdateGroup,
	qSelectAgg("agg_hour"), qReplaceAgg("agg_hour"), qSelectPack, qReplacePack,
	qUpdateRun, qInsertRun, qSelectRun,
}

const (
	qInsertResult = `INSERT INTO result (service, at, latency, ok, reason) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`
	qSelectService = "SELECT id, grp FROM service WHERE name = ?"
	qInsertService = "INSERT INTO service (name, grp) VALUES (?, ?)"
	qUpdateGroup   = "UPDATE service SET grp = ? WHERE id = ?"
	qUpdateRun     = "UPDATE coverage SET started = ?, ended = ? WHERE id = ?"
	qInsertRun     = "INSERT INTO coverage (service, started, ended) VALUES (?, ?, ?)"
	qSelectRun     = "SELECT id, started, ended FROM coverage WHERE service = ? ORDER BY started DESC LIMIT 1"
)

func qSelectAgg(table string) string {
	return "SELECT checks, failures, lat_min, lat_max, hist FROM " + table + " WHERE service = ? AND start = ?"
}

func qReplaceAgg(table string) string {
	return "INSERT OR REPLACE INTO " + table +
		" (service, start, checks, failures, lat_min, lat_p50, lat_p95, lat_max, hist) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
}

// stmts hands out the writer's statements for one transaction at a time: prepared once on the
// writer's connection where it could be (prepare), else once per transaction.
type stmts struct {
	db       *sql.DB
	prepared map[string]*sql.Stmt
	tx       *sql.Tx              // the transaction bound holds statements for
	bound    map[string]*sql.Stmt // prepared statements made part of tx
}

// prepare prepares queries on the connection; it must be called when no transaction holds the
// writer's only connection. A query that fails to prepare is prepared per transaction instead.
func (s *stmts) prepare(db *sql.DB, queries []string) {
	s.db, s.prepared, s.bound = db, map[string]*sql.Stmt{}, map[string]*sql.Stmt{}
	for _, q := range queries {
		if st, err := db.Prepare(q); err == nil {
			s.prepared[q] = st
		}
	}
}

// get returns q as a statement of tx.
func (s *stmts) get(tx *sql.Tx, q string) (*sql.Stmt, error) {
	if s.tx != tx {
		clear(s.bound) // closed with the transaction they belonged to
		s.tx = tx
	}
	if st := s.bound[q]; st != nil {
		return st, nil
	}
	var st *sql.Stmt
	if p := s.prepared[q]; p != nil {
		st = tx.Stmt(p)
	} else {
		var err error
		if st, err = tx.Prepare(q); err != nil {
			return nil, err
		}
	}
	s.bound[q] = st
	return st, nil
}

func (s *stmts) exec(tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	st, err := s.get(tx, q)
	if err != nil {
		return nil, err
	}
	return st.Exec(args...)
}

func (s *stmts) query(tx *sql.Tx, q string, args ...any) (*sql.Rows, error) {
	st, err := s.get(tx, q)
	if err != nil {
		return nil, err
	}
	return st.Query(args...)
}

// queryRow is tx.QueryRow through a statement; a failure to prepare comes back from Scan.
func (s *stmts) queryRow(tx *sql.Tx, q string, args ...any) *sql.Row {
	st, err := s.get(tx, q)
	if err != nil {
		return tx.QueryRow(q, args...) // fails again, or works: either way Scan says
	}
	return st.QueryRow(args...)
}

// close releases the prepared statements.
func (s *stmts) close() {
	for _, st := range s.prepared {
		st.Close()
	}
	clear(s.prepared)
	clear(s.bound)
	s.tx = nil
}
