package text

import (
	"net/url"
	"strings"
)

// DisplayURL is a URL as it may be shown: without its userinfo (user:password@), with every
// query value masked (?token=${API_TOKEN} is where tokens go), and with every secret masked
// wherever else it is (a token in the path, a name from ${VAR}). secrets may be nil.
func DisplayURL(raw string, secrets *Secrets) string {
	u, err := url.Parse(raw)
	if err != nil {
		// Config validation rejects bad URLs; keep only what follows an "@" to be safe.
		if at := strings.LastIndexByte(raw, '@'); at >= 0 {
			if scheme := strings.Index(raw, "://"); scheme >= 0 && scheme < at {
				raw = raw[:scheme+3] + raw[at+1:]
			}
		}
		return CleanText(secrets.Mask(raw), 0)
	}
	u.User = nil
	// DNS keeps its ?type=, which is the point of the URL.
	if u.RawQuery != "" && u.Scheme != "dns" {
		q := u.Query()
		for k := range q {
			q[k] = []string{Mask}
		}
		u.RawQuery = strings.ReplaceAll(q.Encode(), url.QueryEscape(Mask), Mask)
	}
	return CleanText(secrets.Mask(u.String()), 0)
}
