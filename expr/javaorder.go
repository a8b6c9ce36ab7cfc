package expr

import (
	"sort"
	"unicode/utf16"
)

// Some of DynamoDB's messages list things in the iteration order of a Java
// HashMap/HashSet (which keys are unused, which path a path overlaps). This
// file reproduces that order: entries are ordered by hash bucket, where the
// bucket of a string is its Java hashCode, spread as Java 8 does, modulo the
// table capacity. Entries in one bucket keep their insertion order, which a
// Go map does not have; ties are broken by the keys' order instead.

// javaStringHash is Java's String.hashCode over UTF-16 code units.
func javaStringHash(s string) int32 {
	var h int32
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 {
			h = 31*h + int32(c)
			continue
		}
		// Non-ASCII: fall back to decoding the rest as runes.
		for _, r := range s[i:] {
			if r >= 0x10000 {
				r1, r2 := utf16.EncodeRune(r)
				h = 31*h + int32(r1)
				h = 31*h + int32(r2)
			} else {
				h = 31*h + int32(r)
			}
		}
		return h
	}
	return h
}

// javaBucket is the bucket of hash h in a table of the given capacity (a
// power of two).
func javaBucket(h int32, capacity int) int {
	u := uint32(h)
	u ^= u >> 16
	return int(u & uint32(capacity-1))
}

// javaCapacity is the table capacity of a Java HashMap holding n entries.
func javaCapacity(n int) int {
	c := 16
	for n > c*3/4 {
		c *= 2
	}
	return c
}

// sortJavaOrder sorts keys into the iteration order of a Java HashSet
// holding them.
func sortJavaOrder(keys []string) {
	c := javaCapacity(len(keys))
	sort.Slice(keys, func(i, j int) bool {
		bi, bj := javaBucket(javaStringHash(keys[i]), c), javaBucket(javaStringHash(keys[j]), c)
		if bi != bj {
			return bi < bj
		}
		return keys[i] < keys[j]
	})
}
