package scenarios

import "fmt"

// checkBug refuses a planted bug this build does not know.
// CheckBug refuses a planted bug this build does not know.
func CheckBug(name string) error { return checkBug(name) }

func checkBug(name string) error {
	if name == "" {
		return nil
	}
	return fmt.Errorf("unknown planted bug %q", name)
}
