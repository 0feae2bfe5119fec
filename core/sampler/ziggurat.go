package sampler

import "math"

// Ziggurat tables for the standard normal (Marsaglia & Tsang 2000, 128 layers), built at init.
// normal() turns one 64-bit hash into N(0,1): layer index from bits 32..38, sign and magnitude from
// the low 32 bits (separate bits, so the layer and the value are not correlated); the fast path
// (≈98.8% of draws) is one compare and one multiply. Rare slow-path draws take more uniforms
// by re-hashing the key with a counter, so the value stays a pure function of the key.
const (
	zigR    = 3.442619855899
	zigV    = 9.91256303526217e-3
	zigM1   = 2147483648.0 // 2^31
	zigInvR = 1 / zigR
)

var (
	zigK [128]uint32
	zigW [128]float64
	zigF [128]float64
)

func init() {
	dn, tn := zigR, zigR
	q := zigV / math.Exp(-0.5*dn*dn)
	zigK[0] = uint32((dn / q) * zigM1)
	zigK[1] = 0
	zigW[0] = q / zigM1
	zigW[127] = dn / zigM1
	zigF[0] = 1
	zigF[127] = math.Exp(-0.5 * dn * dn)
	for i := 126; i >= 1; i-- {
		dn = math.Sqrt(-2 * math.Log(zigV/dn+math.Exp(-0.5*dn*dn)))
		zigK[i+1] = uint32((dn / tn) * zigM1)
		tn = dn
		zigF[i] = math.Exp(-0.5 * dn * dn)
		zigW[i] = dn / zigM1
	}
}

// normal maps a 64-bit hash to a standard normal sample.
func normal(h uint64) float32 {
	hz := int32(uint32(h))
	iz := (h >> 32) & 127
	if a := uint32(abs32(hz)); a < zigK[iz] {
		return float32(float64(hz) * zigW[iz])
	}
	return float32(normalSlow(h, hz, iz))
}

func abs32(v int32) int64 {
	if v < 0 {
		return -int64(v)
	}
	return int64(v)
}

// uniform01 returns the k-th extra uniform in (0, 1) derived from h.
func uniform01(h uint64, k uint64) float64 {
	return (float64(mix64(h+k*gamma)>>11) + 0.5) / (1 << 53)
}

func normalSlow(h uint64, hz int32, iz uint64) float64 {
	k := uint64(1)
	for {
		x := float64(hz) * zigW[iz]
		if iz == 0 { // tail beyond R
			for {
				xt := -math.Log(uniform01(h, k)) * zigInvR
				yt := -math.Log(uniform01(h, k+1))
				k += 2
				if yt+yt >= xt*xt {
					if hz > 0 {
						return zigR + xt
					}
					return -zigR - xt
				}
			}
		}
		if zigF[iz]+uniform01(h, k)*(zigF[iz-1]-zigF[iz]) < math.Exp(-0.5*x*x) {
			return x
		}
		k++
		n := mix64(h + k*gamma)
		k++
		hz, iz = int32(uint32(n)), (n>>32)&127
		if uint32(abs32(hz)) < zigK[iz] {
			return float64(hz) * zigW[iz]
		}
	}
}
