// Package sim is detsim's simulated world: one goroutine runs a cluster of
// hosted processes on virtual time, over a network that delays, loses,
// duplicates and reorders messages and splits into partitions of any shape,
// with disks that keep only what was synced and may tear the last write.
// Nodes crash, restart from their disks, pause and resume; every delivered
// message, timer and fault is one trace line, folded into a running hash,
// so one seed replays one run exactly.
//
// Hosted code sees only Env (its id, its clock, a seeded random stream,
// Send, timers and its FS) and is driven through Process; a Factory builds
// a new incarnation of a node after each restart. sim/realenv implements
// the same Env over the real clock, TCP and files. sim knows nothing of
// the systems it runs.
package sim
