// This file owns the reading of a JSON configuration file into the same
// tree of nodes a YAML file makes, with the line of every value, so that
// both are walked alike. encoding/json reads it, not the YAML parser: JSON
// that YAML rejects (tabs, keys over 1024 bytes) stays JSON.

package hydra

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"go.yaml.in/yaml/v3"
)

// jsonNodes parses data, one JSON value, into nodes. A byte order mark
// before it, as some Windows editors write, is skipped.
func jsonNodes(data []byte, file string) (*yaml.Node, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	lines := jsonLineStarts(data)
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		ce := &configError{file: file, err: fmt.Errorf("invalid JSON: %w", err)}
		if se := (*json.SyntaxError)(nil); errors.As(err, &se) {
			ce.line = lines.line(se.Offset)
			ce.err = fmt.Errorf("invalid JSON: %s", se.Error())
		}
		return nil, ce
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return jsonNode(dec, lines)
}

// jsonNode reads the next value from dec, which holds valid JSON.
func jsonNode(dec *json.Decoder, lines jsonLines) (*yaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	// The offset is the end of the token: a token never spans two lines.
	n := &yaml.Node{Kind: yaml.ScalarNode, Line: lines.line(dec.InputOffset())}
	switch tok := tok.(type) {
	case json.Delim:
		n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
		if tok == '{' {
			n.Kind, n.Tag = yaml.MappingNode, "!!map"
		}
		for dec.More() {
			item, err := jsonNode(dec, lines)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, item)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
	case string:
		n.Tag, n.Value, n.Style = "!!str", tok, yaml.DoubleQuotedStyle
	case json.Number:
		n.Tag, n.Value = "!!float", tok.String()
	case bool:
		n.Tag, n.Value = "!!bool", fmt.Sprint(tok)
	case nil:
		n.Tag = "!!null" // unset, as in YAML; "null" in quotes is the text null
	default:
		return nil, io.ErrUnexpectedEOF
	}
	return n, nil
}

// jsonLines holds the offset at which each line of a text starts.
type jsonLines []int64

func jsonLineStarts(data []byte) jsonLines {
	starts := jsonLines{0}
	for i, c := range data {
		if c == '\n' {
			starts = append(starts, int64(i+1))
		}
	}
	return starts
}

// line returns the line, from 1, of the byte before offset: the last
// byte of a token that ends there.
func (l jsonLines) line(offset int64) int {
	return max(1, sort.Search(len(l), func(i int) bool { return l[i] >= offset }))
}
