package hydra

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

func TestConfigKey(t *testing.T) {
	for name, want := range map[string]string{
		"Layers": "layers", "DefaultLayer": "default_layer", "MaxSizeMB": "max_size_mb",
		"PerSecond": "per_second", "QueueSize": "queue_size", "BlockTimeout": "block_timeout",
		"NeverDrop": "never_drop", "RateLimit": "rate_limit", "FileMode": "file_mode",
		"RedactPatterns": "redact_patterns", "AddSource": "add_source", "HTTPServer": "http_server",
		"OnError": "on_error", "MaxAgeDays": "max_age_days", "Level": "level",
	} {
		require.Equal(t, want, configKey(name), name)
	}
}

// configStructs returns every struct type a Config is made of.
func configStructs() []reflect.Type {
	var types []reflect.Type
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || t.PkgPath() != reflect.TypeFor[Config]().PkgPath() || slices.Contains(types, t) {
			return
		}
		types = append(types, t)
		for i := range t.NumField() {
			walk(t.Field(i).Type)
		}
	}
	walk(reflect.TypeFor[Config]())
	return types
}

// Every field of every config type is data, with a key of its own, or
// code: a func, or an interface other than slog.Leveler.
func TestEveryConfigFieldHasAKey(t *testing.T) {
	types := configStructs()
	for _, want := range []string{"Config", "Layer", "Destination", "AsyncOptions", "Rotation", "Breaker", "RateLimit", "Sampling", "Monitor"} {
		require.True(t, slices.ContainsFunc(types, func(t reflect.Type) bool { return t.Name() == want }), want)
	}
	var code []string
	for _, st := range types {
		keys := map[string]bool{}
		for _, f := range configFields(st) {
			ft := st.Field(f.index).Type
			isCode := ft.Kind() == reflect.Func || ft.Kind() == reflect.Interface && ft != configLevelerType
			require.Equal(t, isCode, f.code, "%s.%s", st.Name(), f.name)
			require.False(t, keys[f.key], "%s has two fields with key %s", st.Name(), f.key)
			keys[f.key] = true
			if f.code {
				code = append(code, st.Name()+"."+f.name)
			}
		}
	}
	require.Subset(t, code, []string{"Config.ReplaceAttr", "Config.OnError", "Config.OnDrop", "Destination.Writer", "Destination.Handler"})
}

// Every key decodes into its field: a value written at each key path
// reaches the field the path names.
func TestEveryConfigKeyDecodes(t *testing.T) {
	samples := map[reflect.Type]string{
		configLevelerType: "warn", configLevelType: "WARN", configDurationType: "1.5s", configFileModeType: `"0640"`,
		reflect.TypeFor[Policy](): "drop-oldest", reflect.TypeFor[*regexp.Regexp](): `"x+"`,
	}
	sample := func(t reflect.Type) string {
		if s, ok := samples[t]; ok {
			return s
		}
		switch t.Kind() {
		case reflect.String:
			return "s"
		case reflect.Bool:
			return "true"
		case reflect.Int:
			return "3"
		case reflect.Float64:
			return "2.5"
		}
		panic("no sample for " + t.String())
	}
	paths := configKeyPaths(reflect.TypeFor[Config](), "")
	require.Contains(t, paths, "layers.*.destinations[].rotation.max_size_mb")
	require.Contains(t, paths, "layers.*.destinations[].fallback")
	for _, path := range paths {
		t.Run(path, func(t *testing.T) {
			var cfg Config
			v := reflect.ValueOf(&cfg).Elem()
			doc, leaf := "", v
			indent, afterDash := "", false
			for seg := range strings.SplitSeq(path, ".") {
				name, list := strings.CutSuffix(seg, "[]")
				if name == "*" {
					name = "L"
				}
				if afterDash {
					doc += " " + name + ":"
				} else {
					doc += "\n" + indent + name + ":"
				}
				indent, afterDash = indent+"  ", false
				if list {
					doc += "\n" + indent + "-"
					indent, afterDash = indent+"  ", true
				}
				leaf = fieldAt(leaf, seg)
			}
			switch lt := leaf.Type(); {
			case lt.Kind() == reflect.Slice && hasConfigKeys(lt.Elem()):
				doc += " [{}]"
			case lt.Kind() == reflect.Slice:
				doc += " [" + sample(lt.Elem()) + "]"
			case hasConfigKeys(lt):
				doc += " {}"
			case strings.HasSuffix(path, "].type"):
				doc += " null" // a value of its own: one of the types
			case strings.HasSuffix(path, "].format"):
				doc += " json"
			default:
				doc += " " + sample(lt)
			}
			d := &configDecoder{lookup: os.LookupEnv}
			var got Config
			n := parseYAMLTest(t, doc)
			d.value(n, nil, "", reflect.ValueOf(&got).Elem())
			at := strings.ReplaceAll(strings.ReplaceAll(path, "[]", "[0]"), "*", "L")
			for _, err := range d.errs {
				require.NotEqual(t, at, err.(*configError).path, "%v, from\n%s", err, doc)
			}
			gv := reflect.ValueOf(&got).Elem()
			for seg := range strings.SplitSeq(path, ".") {
				gv = fieldAt(gv, seg)
			}
			if gv.Kind() != reflect.Struct { // a struct's keys are tested one by one
				require.False(t, gv.IsZero(), "%s: not decoded from\n%s", path, doc)
			}
		})
	}
}

// fieldAt follows one segment of a key path: a key, "*" (the map's entry
// "L") or a key with "[]" (its first item).
func fieldAt(v reflect.Value, seg string) reflect.Value {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	if seg == "*" {
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		e := v.MapIndex(reflect.ValueOf("L"))
		if !e.IsValid() {
			e = reflect.New(v.Type().Elem()).Elem()
		}
		c := reflect.New(e.Type()).Elem()
		c.Set(e)
		return c // a copy: the caller only reads below a map
	}
	name, list := strings.CutSuffix(seg, "[]")
	f, ok := configFieldByKey(v.Type(), name)
	if !ok {
		panic("no key " + name + " in " + v.Type().String())
	}
	fv := v.Field(f.index)
	if list {
		if fv.Len() == 0 {
			fv.Set(reflect.MakeSlice(fv.Type(), 1, 1))
		}
		return fv.Index(0)
	}
	return fv
}

func parseYAMLTest(t testing.TB, doc string) *yaml.Node {
	t.Helper()
	n, err := yamlNodes([]byte(doc), "")
	require.NoError(t, err, doc)
	return n
}

func TestUnknownKeyMessages(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{"async: {queue_sise: 1}", "async.queue_sise: unknown key (did you mean queue_size?)"},
		{"async: {queueSize: 1}", "did you mean queue_size?"},
		{"Default-Layer: A", "did you mean default_layer?"},
		{"layers: {A: {destinations: [{type: null, queue_size: 2}]}}", "queue_size is a key of async"},
		{"layers: {A: {destinations: [{type: null, queue_sise: 2}]}}", "did you mean queue_size, a key of async?"},
		{"layers: {A: {destinations: [{type: null}], default_layer: A}}", "default_layer is a key of the top level"},
		{"layers: {A: {destinations: [{type: null}], format: json}}", "format is a key of destinations[i]"},
		{"layers: {A: {destinations: [{type: null, rate_limit: {}}]}}", "rate_limit is a key of layers.NAME"},
		{"layers: {A: {destinations: [{type: null, compress: true}]}}", "compress is a key of rotation"},
		{"layers: {A: {destinations: [{type: file, path: a, rotation: {backups: 3}}]}}", "rotation.backups: unknown key (did you mean max_backups?)"},
		{"layers: {A: {destinations: [{type: file, path: a, rotation: {age: 3}}]}}", "rotation.age: unknown key (did you mean max_age_days?)"},
		{"colour: red", "colour: unknown key (want layers, default_layer, layer_key, async, add_source, redact, redact_patterns, monitor)"},
		{"layers: {A: {destinations: [{type: writer, writer: stdout}]}}", "layers.A.destinations[0].writer: Writer cannot be written in a file: set it in code"},
		{"replace_attr: x", "replace_attr: ReplaceAttr cannot be written in a file: set it in code"},
		{"on_drop: x", "on_drop: OnDrop cannot be written in a file: set it in code"},
		{"layers: {A: {destinations: [{type: handler, handler: tint}]}}", "handler: Handler cannot be written in a file: set it in code"},
	} {
		_, err := ParseConfig([]byte(tc.doc), "yaml")
		require.ErrorContains(t, err, tc.want, tc.doc)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"abc", "", 3}, {"queue_size", "queue_sise", 1}, {"kitten", "sitting", 3}} {
		require.Equal(t, tc.want, editDistance(tc.a, tc.b), fmt.Sprint(tc))
	}
}

// A misspelt key is reported once: not as missing too.
func TestMisspeltKeyIsNotMissing(t *testing.T) {
	_, err := ParseConfig([]byte("layers:\n  A:\n    destination: [{type: null}]\n  B:\n    destinations: [{tipe: null}]\n"), "yaml")
	require.EqualError(t, err, "hydra: line 3: layers.A.destination: unknown key (did you mean destinations?)\n"+
		"hydra: line 5: layers.B.destinations[0].tipe: unknown key (did you mean type?)")
}
