package main

import (
	"encoding/binary"
	"unsafe"
)

// maxStructGrowth bounds how far past our sizeof a caller's struct size may
// go: a larger size is treated as garbage (an uninitialised struct), not as
// a newer header.
const maxStructGrowth = 1024

// sizeField is the width of the size_t member that starts every
// size-prefixed struct of the C ABI (resshift_options,
// resshift_engine_params).
const sizeField = unsafe.Sizeof(uintptr(0))

// sizeOf reads the size member at the start of a size-prefixed struct.
func sizeOf(b []byte) uintptr {
	if sizeField == 8 {
		return uintptr(binary.NativeEndian.Uint64(b))
	}
	return uintptr(binary.NativeEndian.Uint32(b))
}

// putSize writes the size member at the start of a size-prefixed struct.
func putSize(b []byte, n uintptr) {
	if sizeField == 8 {
		binary.NativeEndian.PutUint64(b, uint64(n))
	} else {
		binary.NativeEndian.PutUint32(b, uint32(n))
	}
}

// sizedView returns how many bytes of a caller's size-prefixed struct whose
// size member says theirs the library reads, for a struct of ours bytes:
// theirs when it is a plausible size, else only the size member
// (readSizedBytes then refuses the struct without reading further).
func sizedView(theirs, ours uintptr) uintptr {
	if theirs < sizeField || theirs > ours+maxStructGrowth {
		return sizeField
	}
	return theirs
}

// readSizedBytes is the one rule for reading a caller's size-prefixed
// struct. dst is our struct (len(dst) = our sizeof) holding the defaults of
// its init function; src is the caller's struct, sizedView(size, len(dst))
// bytes of it. Members past the caller's size keep dst's defaults; bytes past
// our size (members of a newer header) must be zero; dst's size member is
// set to our size. On a size below the size member or more than
// maxStructGrowth past ours it records INVALID_ARGUMENT ("<name>.size is
// ..."), on a non-zero byte past ours UNSUPPORTED ("<name> has members this
// library ... does not know set ..."), and returns false; dst is then
// unspecified.
func (c *call) readSizedBytes(dst, src []byte, name, initFn string) bool {
	ours := uintptr(len(dst))
	if uintptr(len(src)) < sizeField {
		c.fail(stInternal, "%s: %d bytes read, less than its size member", name, len(src))
		return false
	}
	theirs := sizeOf(src)
	switch {
	case theirs < sizeField:
		c.fail(stInvalid, "%s.size is %d: initialise the struct with %s", name, theirs, initFn)
		return false
	case theirs > ours+maxStructGrowth:
		c.fail(stInvalid, "%s.size is %d, implausibly larger than this library's %d: initialise the struct with %s", name, theirs, ours, initFn)
		return false
	case uintptr(len(src)) < theirs:
		c.fail(stInternal, "%s: %d bytes read of its %d", name, len(src), theirs)
		return false
	}
	n := min(theirs, ours)
	copy(dst[:n], src[:n])
	if theirs > ours {
		for i, b := range src[ours:theirs] {
			if b != 0 {
				c.fail(stUnsupported, "%s has members this library (version %s) does not know set (non-zero byte at offset %d of %d): the application was built with a newer resshift.h",
					name, libVersion, int(ours)+i, theirs)
				return false
			}
		}
	}
	putSize(dst, ours)
	return true
}
