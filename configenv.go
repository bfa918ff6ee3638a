// This file owns the expansion of environment variables in the values of a
// configuration file: ${VAR}, ${VAR:-default}, and $$ for a $.

package hydra

import (
	"fmt"
	"strings"
)

// expandEnv replaces, in s, ${VAR} by the value of the environment
// variable VAR, and ${VAR:-default} by that value or, when VAR is unset or
// empty, by default (taken as written: it is not expanded in turn, and
// runs to the first "}"). $$ stands for one $, so $${VAR} is the text
// ${VAR}; any other $ is kept as it is. A VAR that is unset, with no
// default, is an error naming it (an empty one is used as it is), as is a
// ${ without its } or with no valid name (letters, digits and _, not
// starting with a digit). lookup is os.LookupEnv, or a map in tests.
func expandEnv(s string, lookup func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	var unset []string
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 || i == len(s)-1 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			s = s[i+2:]
			continue
		case '{':
		default:
			b.WriteByte('$')
			s = s[i+1:]
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", fmt.Errorf("%q has a ${ without its } (write $${ for the text ${)", s[i:])
		}
		ref := s[i+2 : i+end]
		s = s[i+end+1:]
		name, def, hasDef := strings.Cut(ref, ":-")
		if !validEnvName(name) {
			return "", fmt.Errorf("${%s}: %q is not a variable name (write $${ for the text ${)", ref, name)
		}
		v, ok := lookup(name)
		switch {
		case hasDef && v == "":
			v = def
		case !ok:
			unset = append(unset, name)
		}
		b.WriteString(v)
	}
	switch len(unset) {
	case 0:
		return b.String(), nil
	case 1:
		return "", fmt.Errorf("environment variable %s is not set (${%[1]s:-value} gives a default)", unset[0])
	}
	return "", fmt.Errorf("environment variables %s are not set (${NAME:-value} gives a default)", strings.Join(unset, ", "))
}

// validEnvName reports whether name can name an environment variable here:
// letters, digits and underscores, not starting with a digit.
func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		switch {
		case r == '_', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case '0' <= r && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
