module github.com/detsim/detsim/examples

go 1.26

require (
	github.com/anishathalye/porcupine v1.3.1
	github.com/detsim/detsim v0.0.0
)

require pgregory.net/rapid v1.3.0 // indirect

replace github.com/detsim/detsim => ../
