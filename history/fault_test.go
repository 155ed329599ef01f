package history

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/track"
)

// The multi-process tests re-execute the test binary with these set; TestMain runs the role.
const (
	childEnv     = "UPTTY_HISTORY_TEST_CHILD"
	childPathEnv = "UPTTY_HISTORY_TEST_PATH"
)

// runChild plays a role in another process and returns its exit code:
//   - writer: records results for ever, printing "committed N" after each Flush;
//   - second: tries to open the file for writing, prints the error, then reads it read-only.
func runChild(role, path string) int {
	switch role {
	case "writer":
		s, err := Open(path, Options{})
		if err != nil {
			fmt.Println("error", err)
			return 1
		}
		deadline := time.Now().Add(time.Minute) // never outlive a parent that forgot us
		for n := 0; time.Now().Before(deadline); {
			for range 50 {
				s.RecordResult(fmt.Sprint("svc", n%10), result(time.Duration(n)*time.Second, time.Millisecond, n%7 != 0, "refused"))
				n++
			}
			if err := s.Flush(context.Background()); err != nil {
				fmt.Println("error", err)
				return 1
			}
			fmt.Println("committed", n)
		}
		return 0
	case "unflushed":
		// Results committed, their current hours and the coverage they added still in the
		// writer's memory, then killed.
		s, err := Open(path, Options{})
		if err != nil {
			fmt.Println("error", err)
			return 1
		}
		n := 0
		for at := time.Duration(0); at < 150*time.Minute; at += 30 * time.Second {
			if at == 75*time.Minute { // the coverage runs begun; what follows only lengthens them
				if err := s.request(context.Background(), op{kind: opExec}); err != nil {
					fmt.Println("error", err)
					return 1
				}
			}
			for i := range 5 {
				s.RecordResult(fmt.Sprint("svc", i), result(at, time.Duration(1+n%40)*time.Millisecond, n%9 != 0, "refused"))
				n++
			}
		}
		if err := s.request(context.Background(), op{kind: opExec}); err != nil { // commits, does not flush
			fmt.Println("error", err)
			return 1
		}
		fmt.Println("committed", n)
		<-time.After(time.Minute) // killed long before; never outlives a parent that forgot it
		return 0
	case "outbox":
		return runOutboxChild(path)
	case "second":
		_, err := Open(path, Options{})
		fmt.Println("open:", err)
		r, err := Open(path, Options{ReadOnly: true})
		if err != nil {
			fmt.Println("readonly:", err)
			return 1
		}
		defer r.Close()
		st, err := r.Restore("api")
		fmt.Println("read:", st.Checks, err)
		return 0
	}
	return 2
}

func faultChild(t *testing.T, role, path string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+role, childPathEnv+"="+path)
	return cmd
}

// TestKill9 kills a process in the middle of writing and checks that the file is intact and
// holds at least everything the process had committed.
func TestKill9(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	cmd := faultChild(t, "writer", path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	committed := 0
	timeout := time.After(30 * time.Second)
	for committed < 2000 {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("writer exited early: %v", cmd.Wait())
			}
			if n, found := strings.CutPrefix(line, "committed "); found {
				committed, _ = strconv.Atoi(n)
			} else {
				t.Fatalf("writer: %s", line)
			}
		case <-timeout:
			cmd.Process.Kill()
			t.Fatal("writer committed nothing within 30s")
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	for range lines { // the pipe closes when the process is gone
	}
	cmd.Wait()

	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open after kill -9 = %v, want the lock released and the file usable", err)
	}
	defer s.Close()
	flush(t, s) // after the rebuild of the hours the killed writer kept in memory
	if got := scalar[string](t, s, "PRAGMA integrity_check"); got != "ok" {
		t.Errorf("integrity_check after kill -9 = %q, want ok", got)
	}
	raw := scalar[int](t, s, "SELECT count(*) FROM result")
	hours := scalar[int](t, s, "SELECT sum(checks) FROM agg_hour")
	if raw < committed || hours != raw {
		t.Errorf("after kill -9: %d results, %d in hourly aggregates; want at least the %d committed, and equal", raw, hours, committed)
	}
}

// TestKill9KeptHours kills a writer whose newest hourly aggregates were still in its memory
// (committed results, not yet added to agg_hour): the next Open rebuilds them from the raw
// results, so every hour counts exactly the checks it holds.
func TestKill9KeptHours(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	cmd := faultChild(t, "unflushed", path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "committed ") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("writer said %q, %v; want committed N", line, err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	before := func() int {
		db, err := sql.Open("sqlite", dsn(path, false, true))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		db.QueryRow("SELECT coalesce(sum(checks), 0) FROM agg_hour").Scan(&n)
		return n
	}()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open after kill -9 = %v", err)
	}
	defer s.Close()
	flush(t, s)
	raw := scalar[int](t, s, "SELECT count(*) FROM result")
	if raw != 5*300 || before >= raw {
		t.Fatalf("before reopening: %d results, %d in hourly aggregates; want %d, and fewer (the current hours were in memory)", raw, before, 5*300)
	}
	rows, err := s.ro.Query(`SELECT r.service, r.h, r.n, coalesce(a.checks, 0) FROM
		(SELECT service, at - at % 3600000 AS h, count(*) AS n FROM result GROUP BY 1, 2) r
		LEFT JOIN agg_hour a ON a.service = r.service AND a.start = r.h`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var svc, h, n, got int64
		if err := rows.Scan(&svc, &h, &n, &got); err != nil {
			t.Fatal(err)
		}
		if got != n {
			t.Errorf("service %d, hour %v: agg_hour counts %d checks, want %d", svc, time.UnixMilli(h).UTC(), got, n)
		}
	}
	// The coverage runs' rows lagged their results (lengthened in memory); the reopen
	// lengthens each to its service's newest result.
	short := scalar[int](t, s, `SELECT count(*) FROM (SELECT service, max(at) AS newest FROM result GROUP BY service) r
		WHERE r.newest > (SELECT max(ended) FROM coverage c WHERE c.service = r.service)`)
	if short != 0 {
		t.Errorf("after kill -9: %d services' coverage ends before their newest result, want none", short)
	}
}

// TestSecondWriter opens a file that another Store has open for writing: in this process and
// in another one, the second Open fails saying who holds it, and a read-only Store can read.
func TestSecondWriter(t *testing.T) {
	if !canLock {
		t.Skip("no advisory file locks on this system")
	}
	s, path := openTest(t, Options{})
	s.RecordResult("api", result(0, time.Millisecond, true, ""))
	flush(t, s)
	want := fmt.Sprintf("history file %s is in use by another uptty (pid %d)", path, os.Getpid())

	t.Run("same process", func(t *testing.T) {
		s2, err := Open(path, Options{})
		if err == nil {
			s2.Close()
		}
		if !errors.Is(err, ErrInUse) || err.Error() != want {
			t.Errorf("second Open = %v, want %q", err, want)
		}
	})
	t.Run("other process", func(t *testing.T) {
		out, err := faultChild(t, "second", path).CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		for _, line := range []string{"open: " + want, "read: 1 <nil>"} {
			if !bytes.Contains(out, []byte(line+"\n")) {
				t.Errorf("child printed %q, want a line %q", out, line)
			}
		}
	})
	// The writer goes on undisturbed.
	s.RecordResult("api", result(time.Second, time.Millisecond, true, ""))
	flush(t, s)
	if got := scalar[string](t, s, "PRAGMA integrity_check"); got != "ok" {
		t.Errorf("integrity_check = %q, want ok", got)
	}
}

// TestNotHistory opens files that are not uptty histories: each fails with an error naming
// the file, and the file is left byte for byte as it was.
func TestNotHistory(t *testing.T) {
	foreign := func(stmts ...string) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, q := range stmts {
				if _, err := db.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
		}
	}
	tests := []struct {
		name  string
		make  func(t *testing.T, path string)
		want  string
		isErr error
	}{
		{"random bytes", func(t *testing.T, path string) {
			b := make([]byte, 64<<10)
			for i := range b {
				b[i] = byte(rand.N(256))
			}
			os.WriteFile(path, b, 0o600)
		}, "is not an uptty history (not an SQLite database, or a damaged one); it was left untouched", ErrNotHistory},
		{"text", func(t *testing.T, path string) {
			os.WriteFile(path, []byte("services:\n  - name: api\n"), 0o600)
		}, "is not an uptty history (not an SQLite database", ErrNotHistory},
		{"other tables", foreign("CREATE TABLE users (id INTEGER, name TEXT)", "CREATE TABLE orders (id INTEGER)",
			"INSERT INTO users VALUES (1, 'ann')"), "is not an uptty history (it holds tables orders, users); it was left untouched", ErrNotHistory},
		{"other application", foreign("PRAGMA application_id = 42"), "is not an uptty history (application id 0x2a)", ErrNotHistory},
		{"newer uptty", foreign("PRAGMA application_id = 1970304121", "PRAGMA user_version = 99", "CREATE TABLE future (x)"),
			fmt.Sprintf("was written by a newer uptty (schema version 99, this one knows up to %d)", len(migrations())), ErrNewerSchema},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "history.db")
			tt.make(t, path)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, ro := range []bool{false, true} {
				s, err := Open(path, Options{ReadOnly: ro})
				if err == nil {
					s.Close()
				}
				if !errors.Is(err, tt.isErr) || !strings.Contains(err.Error(), "history file "+path+" "+tt.want) {
					t.Errorf("Open(ReadOnly %v) = %v, want %v: history file %s %s…", ro, err, tt.isErr, path, tt.want)
				}
			}
			after, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(before, after) {
				t.Errorf("the file changed (%d bytes, then %d, %v): Open must leave what it cannot read untouched", len(before), len(after), err)
			}
		})
	}
}

// TestUnwritable opens histories where nothing can be written.
func TestUnwritable(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, nil, 0o600)
	tests := []struct {
		name, path, want string
	}{
		{"parent is a file", filepath.Join(notDir, "history.db"), "cannot be created"},
		{"path is a directory", dir, "is a directory"},
	}
	if os.Geteuid() != 0 { // root writes anywhere
		ro := filepath.Join(dir, "ro")
		os.Mkdir(ro, 0o500)
		tests = append(tests, struct{ name, path, want string }{"read-only directory", filepath.Join(ro, "history.db"), "cannot be locked for writing"})
		file := filepath.Join(dir, "ro.db")
		if s, err := Open(file, Options{}); err == nil {
			s.Close()
		}
		os.Chmod(file, 0o400)
		tests = append(tests, struct{ name, path, want string }{"read-only file", file, "cannot be written"})
	} else {
		t.Log("running as root: the read-only directory and file cases are skipped")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(tt.path, Options{})
			if err == nil {
				s.Close()
			}
			if err == nil || !strings.HasPrefix(err.Error(), "history file "+tt.path+" "+tt.want) {
				t.Errorf("Open(%s) = %v, want history file %s %s…", tt.path, err, tt.path, tt.want)
			}
		})
	}
}

func TestReadOnly(t *testing.T) {
	t.Run("missing file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "none.db")
		s, err := Open(path, Options{ReadOnly: true})
		if err == nil {
			s.Close()
		}
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
			t.Errorf("Open(missing, ReadOnly) = %v, want fs.ErrNotExist naming the path", err)
		}
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open(ReadOnly) created %s", path)
		}
	})
	t.Run("alongside a writer", func(t *testing.T) {
		clk := newClock(t0.Add(9 * time.Minute))
		w, path := openTest(t, Options{Now: clk.Now})
		r, err := Open(path, Options{ReadOnly: true, Now: clk.Now})
		if err != nil {
			t.Fatalf("Open(ReadOnly) = %v", err)
		}
		defer r.Close()
		story(w)
		flush(t, w)
		st, err := r.Restore("Checkout API")
		if err != nil {
			t.Fatalf("Restore = %v", err)
		}
		checkStory(t, st)
		r.RecordResult("x", result(0, 0, true, "")) // does nothing
		if err := r.Flush(context.Background()); !errors.Is(err, ErrClosed) {
			t.Errorf("Flush on a read-only store = %v, want ErrClosed", err)
		}
	})
}

func TestMigrate(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	steps := []string{"CREATE TABLE a (x)", "CREATE TABLE b (x)"}
	version := func() int {
		var v int
		db.QueryRow("PRAGMA user_version").Scan(&v)
		return v
	}
	if err := migrate(ctx, db, "m.db", steps); err != nil || version() != 2 {
		t.Fatalf("migrate(0 -> 2) = %v, version %d; want nil, 2", err, version())
	}
	steps = append(steps, "CREATE TABLE c (x)", "INSERT INTO a VALUES (1)")
	if err := migrate(ctx, db, "m.db", steps); err != nil || version() != 4 {
		t.Fatalf("migrate(2 -> 4) = %v, version %d; want nil, 4", err, version())
	}
	bad := append(steps, "CREATE TABLE d (x)", "NOT SQL")
	if err := migrate(ctx, db, "m.db", bad); err == nil || version() != 4 {
		t.Errorf("migrate with a bad step = %v, version %d; want an error and version 4 (all or nothing)", err, version())
	}
	var d int
	if db.QueryRow("SELECT count(*) FROM sqlite_master WHERE name = 'd'").Scan(&d); d != 0 {
		t.Errorf("table d exists after a failed migration; want it rolled back")
	}
	if err := migrate(ctx, db, "m.db", steps[:1]); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("migrate to an older list = %v, want ErrNewerSchema", err)
	}
}

// TestMigrateDropsResultState: a file of schema version 1, whose results carry a state column
// that was never read, opens as version 2 without it, its results intact.
func TestMigrateDropsResultState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := migrate(ctx, db, path, migrations()[:1]); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"INSERT INTO service (id, name, grp) VALUES (1, 'api', '')",
		fmt.Sprintf("INSERT INTO result (service, at, latency, ok, state, reason) VALUES (1, %d, 1000, 0, %d, 'refused')",
			t0.UnixMilli(), int(track.Pending)),
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s, err := Open(path, Options{Now: newClock(t0.Add(time.Minute)).Now})
	if err != nil {
		t.Fatalf("Open(version 1) = %v", err)
	}
	defer s.Close()
	if v := scalar[int](t, s, "PRAGMA user_version"); v != len(migrations()) {
		t.Errorf("user_version after Open = %d, want %d", v, len(migrations()))
	}
	if n := scalar[int](t, s, "SELECT count(*) FROM pragma_table_info('result') WHERE name = 'state'"); n != 0 {
		t.Errorf("result still has a state column")
	}
	st, err := s.Restore("api")
	if err != nil || len(st.Recent) != 1 || st.Recent[0].Reason != "refused" || !st.Recent[0].Start.Equal(t0) {
		t.Errorf("Restore(api) = %+v, %v; want the result stored before the upgrade", st.Recent, err)
	}
	s.RecordResult("api", result(time.Second, time.Millisecond, true, ""))
	flush(t, s)
	if n := scalar[int](t, s, "SELECT count(*) FROM result"); n != 2 {
		t.Errorf("results after one more = %d, want 2", n)
	}
}
