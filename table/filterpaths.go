package table

import "github.com/dynago/dynago/expr"

// filterExprInfo collects what the key-attribute checks of Query and Scan
// need from a parsed FilterExpression: the top-level attribute of every
// path it reads, and those reached through a nested path (a.b or a[0]).
func filterExprInfo(c *expr.Condition) *filterInfo {
	fi := &filterInfo{heads: map[string]bool{}, nested: map[string]bool{}}
	for _, p := range c.Paths() {
		if len(p) == 0 || p[0].IsIndex {
			continue
		}
		fi.heads[p[0].Name] = true
		if len(p) > 1 {
			fi.nested[p[0].Name] = true
		}
	}
	return fi
}
