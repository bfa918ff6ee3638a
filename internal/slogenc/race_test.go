//go:build race

package slogenc

// raceEnabled reports whether the race detector is on: it makes
// allocations that allocation budgets must not count.
const raceEnabled = true
