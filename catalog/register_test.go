package catalog

func init() { Register() }
