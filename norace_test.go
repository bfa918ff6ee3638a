//go:build !race

package hydra

const raceEnabled = false
