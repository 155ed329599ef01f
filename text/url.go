package text

import (
	"net/url"
	"strings"
)

// DisplayURL drops the userinfo (user:password@) from a URL so that it is never shown.
func DisplayURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		// Config validation rejects bad URLs; keep only what follows an "@" to be safe.
		if at := strings.LastIndexByte(raw, '@'); at >= 0 {
			if scheme := strings.Index(raw, "://"); scheme >= 0 && scheme < at {
				return CleanText(raw[:scheme+3]+raw[at+1:], 0)
			}
		}
		return CleanText(raw, 0)
	}
	u.User = nil
	// Query values are where tokens go (?token=${API_TOKEN}); DNS keeps its ?type=, which is
	// the point of the URL.
	if u.RawQuery != "" && u.Scheme != "dns" {
		q := u.Query()
		for k := range q {
			q[k] = []string{"•••"}
		}
		u.RawQuery = strings.ReplaceAll(q.Encode(), "%E2%80%A2%E2%80%A2%E2%80%A2", "•••")
	}
	return CleanText(u.String(), 0)
}
