//go:build !linux

package pebble

import "errors"

func extendFile(int, int64, int64) error { return errors.New("not supported") }
