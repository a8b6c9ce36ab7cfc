package storage

// PrefixEnd returns the smallest key that is greater than every key starting
// with prefix, for use as the exclusive upper bound of a Scan over the
// prefix. It returns nil (no upper bound) when there is no such key, that
// is when prefix is empty or consists only of 0xff bytes. The result does
// not share memory with prefix.
func PrefixEnd(prefix []byte) []byte {
	for i := len(prefix) - 1; i >= 0; i-- {
		if prefix[i] != 0xff {
			end := make([]byte, i+1)
			copy(end, prefix)
			end[i]++
			return end
		}
	}
	return nil
}
