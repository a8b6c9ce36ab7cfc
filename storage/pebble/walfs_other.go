//go:build !linux

package pebble

import "errors"

var extendFile = func(int, int64, int64) error { return errors.New("not supported") }
