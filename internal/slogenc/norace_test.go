//go:build !race

package slogenc

const raceEnabled = false
