package history

import (
	"context"
	"database/sql"
)

// closeSuperseded repairs what an older uptty left in a file: a service removed and brought
// back by reloads during an outage started a second outage and left the first open beside it
// (fixed since). A service has at most one outage going on, so an open outage with a later one
// ended when its successor began: that is where it is closed. Only the newest outage of a
// service can be open after this. It runs as the writer opens the file, before anything reads
// the outages (restore, acks, uptime, incidents); a file with nothing to repair costs a look at
// its open outages.
func closeSuperseded(ctx context.Context, db *sql.DB) error {
	_, err := db.ExecContext(ctx, `UPDATE outage SET ended =
		(SELECT min(n.started) FROM outage n WHERE n.service = outage.service AND n.started > outage.started)
		WHERE ended IS NULL AND EXISTS
		(SELECT 1 FROM outage n WHERE n.service = outage.service AND n.started > outage.started)`)
	return err
}
