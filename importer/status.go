package importer

// registered are the HTTP status codes with a name, which a range of codes is written as:
// uptty lists codes, where Kuma and Gatus take ranges.
func registered() []int {
	return []int{100, 101, 102, 103,
		200, 201, 202, 203, 204, 205, 206, 207, 208, 226,
		300, 301, 302, 303, 304, 305, 307, 308,
		400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417,
		418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451,
		500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511}
}

// codeSet is a set of HTTP status codes, 100 to 599.
type codeSet [600]bool

func allCodes() codeSet {
	var c codeSet
	for i := 100; i < 600; i++ {
		c[i] = true
	}
	return c
}

// list returns the codes in the set for expect.status, and whether uptty's default (200-399,
// after following redirects) does the same, so that the key can be left out. A few codes are
// listed as they are; a range brings its named codes but 1xx, which Go's client never ends a
// request with.
func (c codeSet) list(followRedirects bool) (codes []int, asDefault bool) {
	var all []int
	for i := 100; i < 600; i++ {
		if c[i] {
			all = append(all, i)
		}
	}
	if len(all) <= 20 {
		codes = all
	} else {
		for _, code := range registered() {
			if c[code] && code >= 200 {
				codes = append(codes, code)
			}
		}
	}
	// The whole 2xx class, with redirects followed, leaves only a final 3xx without a Location
	// between it and uptty's default: too rare to spell out ten codes on every service. 1xx
	// does not count: no request ends with one.
	twoxx, same := true, true
	for i := 200; i < 600; i++ {
		twoxx = twoxx && c[i] == (i <= 299)
		same = same && c[i] == (i <= 399)
	}
	return codes, same || twoxx && followRedirects
}
