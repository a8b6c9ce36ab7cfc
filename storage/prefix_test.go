package storage

import (
	"bytes"
	"testing"
)

func TestPrefixEnd(t *testing.T) {
	tests := []struct {
		prefix, want []byte
	}{
		{nil, nil},
		{[]byte{}, nil},
		{[]byte{0xff}, nil},
		{[]byte{0xff, 0xff}, nil},
		{[]byte{0x00}, []byte{0x01}},
		{[]byte("abc"), []byte("abd")},
		{[]byte{0x01, 0xff}, []byte{0x02}},
		{[]byte{0x01, 0xfe, 0xff, 0xff}, []byte{0x01, 0xff}},
	}
	for _, tt := range tests {
		got := PrefixEnd(tt.prefix)
		if !bytes.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
			t.Errorf("PrefixEnd(%x) = %x, want %x", tt.prefix, got, tt.want)
		}
	}
}

func FuzzPrefixEnd(f *testing.F) {
	f.Add([]byte("a"), []byte("ab"))
	f.Add([]byte{0x01, 0xff}, []byte{0x02})
	f.Fuzz(func(t *testing.T, prefix, key []byte) {
		in := bytes.Clone(prefix)
		end := PrefixEnd(prefix)
		if !bytes.Equal(in, prefix) {
			t.Fatal("PrefixEnd modified its argument")
		}
		hasPrefix := bytes.HasPrefix(key, prefix)
		below := end == nil || bytes.Compare(key, end) < 0
		// Every key with the prefix is below end; every key >= prefix that
		// is below end has the prefix.
		if hasPrefix && !below {
			t.Fatalf("key %x has prefix %x but is not below end %x", key, prefix, end)
		}
		if bytes.Compare(key, prefix) >= 0 && below && !hasPrefix {
			t.Fatalf("key %x lies in [%x, %x) without the prefix", key, prefix, end)
		}
	})
}
