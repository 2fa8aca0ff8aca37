package checker_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/detsim/detsim/checker"
)

// A key/value history recorded anywhere, in the format detsim check reads:
// client 2's get returned a value older than a put that had finished
// before the get began, so no order of the operations explains it.
func ExampleCheckLinearizable() {
	history := `[
	  {"client": 1, "op": "put", "key": "x", "value": "a;", "call": 0, "return": 10},
	  {"client": 1, "op": "put", "key": "x", "value": "b;", "call": 20, "return": 30},
	  {"client": 2, "op": "get", "key": "x", "output": "a;", "call": 40, "return": 50}
	]`
	ops, err := checker.ParseHistory(strings.NewReader(history))
	if err != nil {
		fmt.Println(err)
		return
	}
	rep := checker.CheckLinearizable(ops, checker.LinConfig{Budget: 10 * time.Second})
	fmt.Println(rep.Status == checker.Fail, rep.KeysFailed)
	// Output:
	// true [x]
}
