// This file owns the reading of a Config from a file: LoadConfig and
// ParseConfig. configyaml.go and configjson.go parse YAML and JSON into
// nodes, configdecode.go walks them into a Config, configkeys.go names its
// keys, configvalue.go reads its values, configenv.go expands ${VAR} and
// configerror.go words the problems.

package hydra

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// LoadConfig reads a Config from the file at path, as [ParseConfig] does:
// YAML if its name ends in .yaml or .yml, JSON if it ends in .json (in
// any case). Messages name the file. Paths in the file are used as
// written: a relative one is relative to the working directory, not to
// the file.
func LoadConfig(path string) (Config, error) {
	var format string
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		format = "yaml"
	case ".json":
		format = "json"
	default:
		return Config{}, fmt.Errorf("hydra: config file %s: cannot tell its format from its name (want .yaml, .yml or .json)", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("hydra: cannot read config file: %w", err)
	}
	return parseConfig(data, format, path)
}

// ParseConfig reads a Config from data, in format "yaml" or "json" (in any
// case). Keys are the names of the fields of Config and of the types of
// its fields in snake_case (DefaultLayer is default_layer, MaxSizeMB
// max_size_mb); examples/config/reference.yaml in the repository shows
// every key, with a comment:
//
//	default_layer: APP
//	async: {queue_size: 4096, overflow: drop-oldest, never_drop: error}
//	redact: [password, token]
//	layers:
//	  APP:
//	    level: info
//	    destinations:
//	      - type: file
//	        path: ${LOG_DIR:-logs}/app.log
//	        format: json
//	        rotation: {max_size_mb: 100, max_backups: 5, compress: true}
//	      - {type: stderr, level: error}
//
// Levels are names, in any case, with an optional offset (debug, info,
// warn or warning, error, INFO+2) or numbers (-4, 8). Durations are Go's
// (250ms, 1.5s, 1h). Policies are block, drop-newest and drop-oldest.
// File modes are octal, as chmod takes them (640 or "0640"). Patterns of
// redact_patterns are Go regular expressions. layers maps names to
// layers, and fallback is a destination. A null, or an empty value, leaves
// a field at its default, but type: null is the null destination.
//
// In values, not keys, ${VAR} is the environment variable VAR, and
// ${VAR:-default} is VAR or, when it is unset or empty, default. An unset
// VAR without a default is an error; $$ stands for a $, so $${VAR} is the
// text ${VAR}. YAML anchors, aliases and merge keys (<<: *anchor) work.
//
// ParseConfig checks the shape of the file and each value on its own: an
// unknown key (with the key it was probably meant to be), a value of the
// wrong type, a bad level, duration, policy, pattern or file mode, an
// unset variable, a number out of its range, a missing type or a layer
// without destinations. Each is reported with its key's path and line
// ("hydra: line 12: layers.API.destinations[1].rotation.max_size_mb: ..."),
// all of them at once, joined as [New] joins its own. An empty file is an
// error too: write {} for the zero Config. What the settings mean together
// is New's to check, or [Check]'s: a file destination needs a path,
// BlockTimeout needs Block, the Monitor's layer must exist.
//
// The fields that hold code (ReplaceAttr, OnError, OnDrop, ContextAttrs,
// a Writer, a Handler: every func, and every interface but a level) have
// no key, and a key for one is an error: set them after loading, before
// New. A map's values are not addressable, so change a
// layer by copying it back; its destinations are a slice, so they can be
// changed in place:
//
//	cfg, err := hydra.LoadConfig("hydra.yaml")
//	if err != nil {
//		return err
//	}
//	cfg.OnError = func(err error) { metrics.LogErrors.Inc() }
//	cfg.Layers["METRICS"].Destinations[0].Writer = conn // type: writer in the file
//	if *debug { // a flag overrides the file
//		api := cfg.Layers["API"]
//		api.Level = slog.LevelDebug
//		cfg.Layers["API"] = api
//	}
//	h, err := hydra.New(cfg)
func ParseConfig(data []byte, format string) (Config, error) {
	return parseConfig(data, format, "")
}

func parseConfig(data []byte, format, file string) (Config, error) {
	var root *yaml.Node
	var err error
	switch strings.ToLower(format) {
	case "yaml", "yml":
		root, err = yamlNodes(data, file)
	case "json":
		root, err = jsonNodes(data, file)
	default:
		return Config{}, fmt.Errorf("hydra: unknown config format %q (want yaml or json)", format)
	}
	if err != nil {
		return Config{}, err
	}
	if root == nil || root.Tag == "!!null" {
		return Config{}, &configError{file: file, err: errors.New("the file holds no settings (write {} for the zero Config)")}
	}
	d := &configDecoder{file: file, lookup: os.LookupEnv}
	var cfg Config
	d.value(root, nil, "", reflect.ValueOf(&cfg).Elem())
	if len(d.errs) > 0 {
		return Config{}, joinConfigErrors(d.errs)
	}
	return cfg, nil
}
