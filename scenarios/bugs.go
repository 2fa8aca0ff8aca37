package scenarios

import "github.com/detsim/detsim/planted"

// CheckBug refuses a planted bug this build cannot switch on: unknown, or
// compiled out (a build without the detsimbugs tag).
func CheckBug(name string) error { return checkBug(name) }

func checkBug(name string) error {
	_, err := planted.Parse(name)
	return err
}

// bugSet is the planted bug a run switches on (checked by Validate).
func (o *Options) bugSet() planted.Set {
	set, _ := planted.Parse(o.Bug)
	return set
}
