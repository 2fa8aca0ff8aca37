package fuzz

import "github.com/detsim/detsim/catalog"

func init() { catalog.Register() }
