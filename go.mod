module github.com/detsim/detsim

go 1.26

require github.com/anishathalye/porcupine v1.3.1

require pgregory.net/rapid v1.3.0

require go.yaml.in/yaml/v3 v3.0.6
