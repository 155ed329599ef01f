package history

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"runtime"
	"sync"

	"github.com/uptty/uptty/track"
)

// querier is what the read paths ask: the store's pool of readers, or one reader connection
// whose statements are prepared once (prepConn).
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type querierKey struct{}

// q returns the querier ctx carries (see RestoreAll), else the store's readers.
func (s *Store) q(ctx context.Context) querier {
	if p, ok := ctx.Value(querierKey{}).(querier); ok {
		return p
	}
	return s.ro
}

// prepConn is one read transaction on one reader connection that prepares each query once:
// restoring 10,000 services asks the same seven queries 10,000 times, and SQLite parsing
// their text each time, and taking the WAL's read lock for each, was most of the work. The
// transaction is SQLite's own (BEGIN on the connection), not a database/sql Tx: every query
// of a Tx starts a goroutine that waits for the Tx's context to end it, three for each service
// restored (30,000 at 10,000 services), where a connection's query with a context that never
// ends starts none.
type prepConn struct {
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
}

func (p *prepConn) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := p.stmts[query]; st != nil {
		return st, nil
	}
	st, err := p.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.stmts[query] = st
	return st, nil
}

func (p *prepConn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (p *prepConn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := p.stmt(ctx, query)
	if err != nil {
		return p.conn.QueryRowContext(ctx, query, args...) // fails again, and Scan says why
	}
	return st.QueryRowContext(ctx, args...)
}

func (p *prepConn) close() {
	for _, st := range p.stmts {
		st.Close()
	}
	// It only read; a connection back in the pool must not be left inside the transaction.
	if _, err := p.conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		p.conn.Raw(func(any) error { return driver.ErrBadConn }) // not reused
	}
	p.conn.Close()
}

// prepConn opens a read transaction on a reader connection of its own.
func (s *Store) prepConn(ctx context.Context) (*prepConn, error) {
	conn, err := s.ro.Conn(ctx)
	if err != nil {
		return nil, err
	}
	// DEFERRED, as database/sql's BeginTx would: the snapshot is taken at the first read.
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		conn.Close()
		return nil, err
	}
	return &prepConn{conn: conn, stmts: map[string]*sql.Stmt{}}, nil
}

// Restored is one service's Restore answer from RestoreAll.
type Restored struct {
	Saved track.Saved
	Err   error
}

// RestoreAll is Restore for every name, answered in the same order: on a few reader
// connections at once, each with its statements prepared once, so that a start with 10,000
// services does not parse the same queries 70,000 times.
func (s *Store) RestoreAll(names []string) []Restored {
	out := make([]Restored, len(names))
	workers := min(readers, runtime.GOMAXPROCS(0), max(len(names)/64, 1))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			ctx := context.Background()
			if p, err := s.prepConn(ctx); err == nil {
				defer p.close()
				ctx = context.WithValue(ctx, querierKey{}, querier(p))
			}
			for i := range next {
				out[i].Saved, out[i].Err = s.restore(ctx, names[i])
			}
		})
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}
