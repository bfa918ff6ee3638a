package hydra

// Monitoring (monitor.go): the stats record a Monitor logs, and
// PublishExpvar.

import (
	"bytes"
	"context"
	"encoding/json"
	"expvar"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMonitorLogsStatsIntoALayer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		app, mon := &syncBuffer{}, &syncBuffer{}
		h, err := New(Config{
			DefaultLayer: "APP",
			Monitor:      &Monitor{Layer: "MONITOR", Interval: time.Second},
			Layers: map[string]Layer{
				"APP":     {Destinations: []Destination{{Type: "writer", Writer: app, Format: "json"}}},
				"MONITOR": {Destinations: []Destination{{Type: "writer", Writer: mon, Format: "json"}}},
			},
		})
		require.NoError(t, err)
		logN(slog.New(h), "work", 7)
		require.NoError(t, h.Flush(context.Background()))
		time.Sleep(time.Second + time.Millisecond)
		synctest.Wait()
		require.NoError(t, h.Flush(context.Background()))
		recs := jsonRecords(t, mon.Bytes())
		require.Len(t, recs, 1)
		r := recs[0]
		assert.Equal(t, StatsMessage, r["msg"])
		assert.Equal(t, "MONITOR", r["layer"])
		assert.Equal(t, float64(7), r["accepted"], "the seven records of APP")
		assert.Equal(t, float64(7), r["written"])
		assert.Contains(t, r["destinations"], "writer:APP", "each destination under its own name")
		assert.Contains(t, r["destinations"], "writer:MONITOR")

		time.Sleep(3 * time.Second)
		require.NoError(t, h.Close()) // stops the monitor: no goroutine left in the bubble
		assert.Len(t, jsonRecords(t, mon.Bytes()), 4, "one a second")
		assert.Len(t, jsonRecords(t, app.Bytes()), 7, "nothing in the other layer")
	})
}

func TestPublishExpvar(t *testing.T) {
	h := newTest(t, oneLayer(Destination{Type: "null"}))
	logN(slog.New(h), "m", 3)
	name := fmt.Sprint("hydra-test-stats-", time.Now().UnixNano()) // expvar names live as long as the process
	require.NoError(t, h.PublishExpvar(name))
	var st Stats
	require.NoError(t, json.Unmarshal([]byte(expvar.Get(name).String()), &st))
	assert.Equal(t, uint64(3), st.Accepted)
	assert.Equal(t, "null", st.Destinations[0].Name)
	assert.ErrorContains(t, h.PublishExpvar(name), "published already")
}

func TestMonitorConfigErrors(t *testing.T) {
	_, err := New(Config{Monitor: &Monitor{Layer: "NOPE", Interval: -time.Second}})
	require.ErrorContains(t, err, `hydra: Config.Monitor.Layer "NOPE" is not a layer`)
	require.ErrorContains(t, err, "hydra: Config.Monitor.Interval -1s is negative")
}

// enabledPanics is a handler whose Enabled panics: the monitor's
// goroutine calls it when it logs into the handler's layer.
type enabledPanics struct{ slog.Handler }

func (enabledPanics) Enabled(context.Context, slog.Level) bool { panic("Enabled exploded") }

func TestMonitorSurvivesAPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var heard errorList
		h, err := New(Config{
			DefaultLayer: "APP",
			OnError:      heard.add,
			Monitor:      &Monitor{Layer: "MON", Interval: time.Second},
			Layers: map[string]Layer{
				"APP": {Destinations: []Destination{{Type: "null"}}},
				"MON": {Destinations: []Destination{{Type: "handler", Handler: enabledPanics{slog.DiscardHandler}}}},
			},
		})
		require.NoError(t, err)
		time.Sleep(2*time.Second + time.Millisecond)
		synctest.Wait()
		err = h.Close()
		require.Error(t, err)
		assert.Contains(t, err.Error(), "Monitor: logging the stats panicked: Enabled exploded")
		assert.Len(t, heard.get(), 2, "one report a tick")
	})
}

func TestPublishExpvarConcurrently(t *testing.T) {
	h := newTest(t, namedLayer(Destination{Type: "null"}))
	base := fmt.Sprintf("hydra-test-%d", time.Now().UnixNano())
	for round := range 300 { // the race is narrow: try it often
		name := fmt.Sprint(base, "-", round)
		var ok atomic.Int32
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if h.PublishExpvar(name) == nil {
					ok.Add(1)
				}
			})
		}
		wg.Wait()
		require.Equal(t, int32(1), ok.Load(), "exactly one publishes %s", name)
	}
}

// The Monitor's record shows a network destination's retries and the
// records in its disk buffer once it has had trouble, and the buffered
// total always.
func TestMonitorShowsNetworkTrouble(t *testing.T) {
	st := Stats{Buffered: 7, Destinations: []DestinationStats{
		{Name: "http:x", Retries: 3, Buffered: 7},
		{Name: "stderr"},
	}}
	var got bytes.Buffer
	slog.New(slog.NewJSONHandler(&got, nil)).LogAttrs(context.Background(), slog.LevelInfo, StatsMessage, st.attrs()...)
	rec := jsonRecords(t, got.Bytes())[0]
	assert.Equal(t, float64(7), rec["buffered"])
	dests := rec["destinations"].(map[string]any)
	assert.Equal(t, map[string]any{"queued": 0.0, "capacity": 0.0, "high_water": 0.0, "dropped": 0.0, "failed": 0.0,
		"retries": 3.0, "buffered": 7.0}, dests["http:x"])
	assert.NotContains(t, dests["stderr"], "retries", "a destination without trouble shows no network counts")
}
