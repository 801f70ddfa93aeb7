package pipeline

import "strings"

// secretParams are the query parameters whose values RedactURL hides (matched without regard to
// case, as a part of the name: camera and recorder URLs write user=admin&password=..., pwd=,
// passwd=, token=, access_token=, api_key=, auth=, signature=...).
var secretParams = []string{"pass", "pwd", "token", "key", "secret", "auth", "sig", "credential"}

// RedactURL returns a stream URL as messages, progress lines, JSON lines and file names show it:
// its user's password (rtsp://admin:xxxxx@10.0.0.5/...) and the values of query parameters that
// hold secrets (password=xxxxx, token=xxxxx; in the path too, where some cameras take them:
// /user=admin&password=xxxxx&channel=1) hidden, the rest as given. It works on the text, so
// a URL that does not parse (a password with a '%') is hidden all the same. A numeric password
// with an unencoded '/', '?' or '#' (user:2024/ss@host, user:2024?x@host) reads as a port and a
// path, query or fragment: an '@' in the path ends a password all the same, and so does one in
// a query or fragment that follows the number at once, so a URL that holds one there
// (host:8080/a@b, host:8080?mail=a@b, rare in a stream's URL) shows as host:xxxxx@b, hiding
// too much rather than a password. One in a query or fragment after such a path is not taken
// for one (host:8080/a?mail=a@b is kept), so a numeric password with a '/' and then a '?' or
// '#' (user:2024/a?b@host) is shown.
func RedactURL(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:i+3])
	rest := s[i+3:]
	end := hostEnd(rest)
	authority := rest[:end]
	if colon := strings.Index(authority, ":"); colon >= 0 && !strings.Contains(authority, "@") &&
		!strings.HasPrefix(authority, "[") {
		// user:pa/ss@host: a password with an unencoded '/', '?' or '#' (not a valid URL, and
		// FFmpeg reads none so, but a password all the same, shown in the message refusing it).
		// Which '@' ends it cannot be told (p/a@s/s@host), so it is the last. After a number
		// and a '/' (host:8080/a or user:2024/ss@host) it is the last before the query or
		// fragment: a path with an '@' (host:8080/a@b) is hidden as one too, the safe side.
		// After a number and a '?' or '#' (host:8080?mail=a@b or user:2024?x@host) it is the
		// last, the query or fragment hidden with it.
		search := rest
		if strings.Trim(authority[colon+1:], "0123456789") == "" && end < len(rest) && rest[end] == '/' {
			if q := strings.IndexAny(rest, "?#"); q >= 0 {
				search = rest[:q]
			}
		}
		if at := strings.LastIndex(search, "@"); at > colon {
			end = at + 1 + hostEnd(rest[at+1:])
			authority = rest[:end]
		}
	}
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		user := authority[:at]
		if colon := strings.Index(user, ":"); colon >= 0 {
			user = user[:colon+1] + "xxxxx"
		}
		authority = user + authority[at:]
	}
	b.WriteString(authority)
	rest = rest[end:]
	fragment := ""
	if h := strings.Index(rest, "#"); h >= 0 {
		rest, fragment = rest[:h], rest[h:]
	}
	path, query, hasQuery := strings.Cut(rest, "?")
	hideSecretParams(&b, path, "/&;") // (some cameras take /user=admin&password=.../ in the path)
	if hasQuery {
		b.WriteByte('?')
		hideSecretParams(&b, query, "&;")
	}
	b.WriteString(fragment)
	return b.String()
}

// hideSecretParams writes s to b with the value of each name=value between separators seps
// whose name says it holds a secret written as xxxxx.
func hideSecretParams(b *strings.Builder, s, seps string) {
	for s != "" {
		end := strings.IndexAny(s, seps)
		if end < 0 {
			end = len(s)
		}
		param := s[:end]
		if name, _, hasValue := strings.Cut(param, "="); hasValue && isSecretParam(name) {
			param = name + "=xxxxx"
		}
		b.WriteString(param)
		if end < len(s) {
			b.WriteByte(s[end])
			end++
		}
		s = s[end:]
	}
}

// hostEnd returns where the authority that s begins with ends: at the first '/', '?' or '#'.
func hostEnd(s string) int {
	if end := strings.IndexAny(s, "/?#"); end >= 0 {
		return end
	}
	return len(s)
}

// isSecretParam reports whether a query parameter's name says it holds a secret.
func isSecretParam(name string) bool {
	name = strings.ToLower(name)
	for _, s := range secretParams {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}
