package imageio

import "encoding/binary"

// checkPNGStructure walks the chunk list of a PNG and requires it to be
// complete up to IEND. libvips' PNG loader only warns on some truncations
// ("not enough data") and returns a partly black image; this catches them
// before decoding. CRCs are left to the decoder.
func checkPNGStructure(data []byte) error {
	const op = "decode"
	p := 8 // signature
	for {
		if p+8 > len(data) {
			return errorf(op, ErrCorrupt, "corrupt or truncated image data: PNG chunk header at byte %d is cut off (file has %d bytes, no IEND)", p, len(data))
		}
		n := int64(binary.BigEndian.Uint32(data[p:]))
		typ := string(data[p+4 : p+8])
		end := int64(p) + 12 + n
		if end > int64(len(data)) {
			return errorf(op, ErrCorrupt, "corrupt or truncated image data: PNG %q chunk at byte %d needs %d bytes, file has %d", typ, p, end, len(data))
		}
		if typ == "IEND" {
			return nil
		}
		p = int(end)
	}
}
