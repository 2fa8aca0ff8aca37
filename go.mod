module detsim

go 1.26
