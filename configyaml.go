// This file owns the parsing of a YAML configuration file into nodes, with
// the line of every value, and the wording of the parser's errors.

package hydra

import (
	"bytes"
	"cmp"
	"errors"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// yamlNodes parses data, one YAML document, into nodes; nil if it holds
// none.
func yamlNodes(data []byte, file string) (*yaml.Node, error) {
	doc, err := yamlDocument(data)
	if err != nil {
		var second *secondDocument
		if errors.As(err, &second) {
			return nil, &configError{file: file, line: second.line,
				err: errors.New("a second YAML document: a file holds one configuration")}
		}
		return nil, yamlError(err, data, file)
	}
	if doc == nil || len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// secondDocument is the error of a file that holds more than one document.
type secondDocument struct{ line int }

func (e *secondDocument) Error() string { return "a second document" }

// yamlDocument parses the one document data holds: nil if none.
func yamlDocument(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	switch err := dec.Decode(&doc); {
	case err == io.EOF:
		return nil, nil
	case err != nil:
		return nil, err
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == io.EOF:
		return &doc, nil
	case err != nil:
		return nil, err
	}
	return nil, &secondDocument{next.Line}
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// maxProblemSearch bounds the size of a file whose problem line is searched
// for (see problemLine), which parses it a few times over.
const maxProblemSearch = 64 << 10

// yamlError turns an error of the YAML parser into one that names the file
// and the line where the problem is, with a hint for a tab that indents.
func yamlError(err error, data []byte, file string) error {
	msg, line := err.Error(), 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	lines := strings.Split(string(data), "\n")
	if len(data) <= maxProblemSearch {
		line = cmp.Or(problemLine(lines, msg), line)
	}
	if line == 0 {
		line = slices.IndexFunc(lines, tabIndented) + 1 // the parser names no line for some tabs
	}
	if line > 0 && line <= len(lines) && tabIndented(lines[line-1]) {
		msg += " (a tab indents the line: YAML indents with spaces)"
	}
	return &configError{file: file, line: line, err: errors.New("invalid YAML: " + msg)}
}

// problemLine returns the first line at which the file, cut after it,
// fails to parse with the problem msg; 0 if none does. The parser names
// the line where the block around a problem starts, not the problem's.
// A cut before the problem parses, or fails at its end for another
// reason; a cut after it fails as the whole file does: so the line is
// found by bisection.
func problemLine(lines []string, msg string) int {
	fails := func(n int) bool {
		_, err := yamlDocument([]byte(strings.Join(lines[:n], "\n")))
		if err == nil {
			return false
		}
		got := err.Error()
		if m := yamlLine.FindStringSubmatch(got); m != nil {
			got = got[len(m[0]):]
		}
		return strings.TrimPrefix(got, "yaml: ") == msg
	}
	n := sort.Search(len(lines), func(i int) bool { return fails(i + 1) }) + 1
	if n > len(lines) {
		return 0
	}
	return n
}

func tabIndented(line string) bool {
	return strings.Contains(line[:len(line)-len(strings.TrimLeft(line, " \t"))], "\t")
}
