package ort

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>

// Calls through dlsym'd pointers of the CUDA driver API, the CUDA runtime and cuDNN (stable C ABIs; the
// libraries are opened at run time, so resshift builds and runs without CUDA).
static void *rs_open(const char *name, int noload) { return dlopen(name, RTLD_NOW | RTLD_LOCAL | (noload ? RTLD_NOLOAD : 0)); }
static void *rs_sym(void *h, const char *name) { return h ? dlsym(h, name) : 0; }
static int rs_int_out(void *f, int *out) { return ((int (*)(int *))f)(out); }
static int rs_cu_init(void *f) { return ((int (*)(unsigned))f)(0); }
static int rs_cu_device_get(void *f, int *dev, int ord) { return ((int (*)(int *, int))f)(dev, ord); }
static int rs_cu_name(void *f, char *buf, int n, int dev) { return ((int (*)(char *, int, int))f)(buf, n, dev); }
static int rs_cu_mem(void *f, size_t *bytes, int dev) { return ((int (*)(size_t *, int))f)(bytes, dev); }
static int rs_cu_attr(void *f, int *v, int attr, int dev) { return ((int (*)(int *, int, int))f)(v, attr, dev); }
static size_t rs_size(void *f) { return ((size_t (*)(void))f)(); }
*/
import "C"

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unsafe"
)

// GPU describes one CUDA device as the NVIDIA driver reports it.
type GPU struct {
	Index       int      `json:"index"`
	Name        string   `json:"name"`
	MemoryMiB   int64    `json:"memory_mib"`
	Compute     string   `json:"compute_capability"` // "9.0"
	DriverCUDA  string   `json:"driver_cuda"`        // the CUDA version the driver supports, "13.0"
	RuntimeCUDA string   `json:"runtime_cuda"`       // the CUDA runtime loaded by the provider ("" before a CUDA session)
	CuDNN       string   `json:"cudnn"`              // the cuDNN loaded by the provider ("9.10.2"; "" when not loaded)
	Libraries   []string `json:"libraries"`          // CUDA/cuDNN/TensorRT libraries mapped in this process (paths)
}

func cstr(s string) *C.char { return C.CString(s) }

func version(v int, div int) string {
	if v <= 0 {
		return ""
	}
	return fmt.Sprintf("%d.%d", v/div, (v%div)/10)
}

// DeviceInfo reports CUDA device deviceID and the CUDA runtime and cuDNN versions loaded in this process (call it
// after creating a cuda or tensorrt session, which loads them). It needs only the NVIDIA driver (libcuda.so.1);
// without one it returns an error saying so.
func DeviceInfo(deviceID int) (GPU, error) {
	g := GPU{Index: deviceID}
	name := cstr("libcuda.so.1")
	defer C.free(unsafe.Pointer(name))
	h := C.rs_open(name, 0)
	if h == nil {
		return g, fmt.Errorf("ort: no NVIDIA driver: libcuda.so.1 cannot be loaded")
	}
	sym := func(h unsafe.Pointer, s string) unsafe.Pointer {
		cs := cstr(s)
		defer C.free(unsafe.Pointer(cs))
		return C.rs_sym(h, cs)
	}
	fInit, fCount, fGet := sym(h, "cuInit"), sym(h, "cuDeviceGetCount"), sym(h, "cuDeviceGet")
	fName, fMem, fAttr, fDrv := sym(h, "cuDeviceGetName"), sym(h, "cuDeviceTotalMem_v2"), sym(h, "cuDeviceGetAttribute"), sym(h, "cuDriverGetVersion")
	if fInit == nil || fCount == nil || fGet == nil || fName == nil || fMem == nil || fAttr == nil || fDrv == nil {
		return g, fmt.Errorf("ort: libcuda.so.1 lacks the driver API functions")
	}
	if rc := C.rs_cu_init(fInit); rc != 0 {
		return g, fmt.Errorf("ort: cuInit failed (CUDA driver error %d): no usable CUDA device", int(rc))
	}
	var n, drv, dev C.int
	C.rs_int_out(fDrv, &drv)
	g.DriverCUDA = version(int(drv), 1000)
	if C.rs_int_out(fCount, &n); deviceID >= int(n) {
		return g, fmt.Errorf("ort: device_id %d: the driver sees %d CUDA device(s)", deviceID, int(n))
	}
	if rc := C.rs_cu_device_get(fGet, &dev, C.int(deviceID)); rc != 0 {
		return g, fmt.Errorf("ort: cuDeviceGet(%d) failed (CUDA driver error %d)", deviceID, int(rc))
	}
	buf := make([]byte, 256)
	C.rs_cu_name(fName, (*C.char)(unsafe.Pointer(&buf[0])), C.int(len(buf)), dev)
	g.Name = C.GoString((*C.char)(unsafe.Pointer(&buf[0])))
	var mem C.size_t
	C.rs_cu_mem(fMem, &mem, dev)
	g.MemoryMiB = int64(mem) >> 20
	var major, minor C.int
	C.rs_cu_attr(fAttr, &major, 75, dev) // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR
	C.rs_cu_attr(fAttr, &minor, 76, dev) // ..._MINOR
	g.Compute = fmt.Sprintf("%d.%d", int(major), int(minor))
	g.Libraries = loadedGPULibraries()
	for _, lib := range g.Libraries {
		base := filepath.Base(lib)
		switch {
		case strings.HasPrefix(base, "libcudart.so") && g.RuntimeCUDA == "":
			if f := sym(openLoaded(lib), "cudaRuntimeGetVersion"); f != nil {
				var v C.int
				if C.rs_int_out(f, &v) == 0 {
					g.RuntimeCUDA = version(int(v), 1000)
				}
			}
		case strings.HasPrefix(base, "libcudnn.so") && g.CuDNN == "":
			if f := sym(openLoaded(lib), "cudnnGetVersion"); f != nil {
				v := int(C.rs_size(f)) // 90102 for 9.1.2 (cuDNN 9: major*10000 + minor*100 + patch)
				g.CuDNN = fmt.Sprintf("%d.%d.%d", v/10000, (v%10000)/100, v%100)
			}
		}
	}
	return g, nil
}

// openLoaded returns the handle of a library already mapped in the process (nil if it is not).
func openLoaded(path string) unsafe.Pointer {
	cs := cstr(path)
	defer C.free(unsafe.Pointer(cs))
	return C.rs_open(cs, 1)
}

// loadedGPULibraries lists the CUDA, cuDNN and TensorRT libraries mapped in this process (/proc/self/maps).
func loadedGPULibraries() []string {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return nil
	}
	defer f.Close()
	seen := map[string]bool{}
	var libs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 {
			continue
		}
		p := fields[len(fields)-1]
		base := filepath.Base(p)
		for _, pre := range []string{"libcudart.so", "libcublasLt.so", "libcublas.so", "libcudnn.so", "libnvinfer.so", "libcuda.so"} {
			if strings.HasPrefix(base, pre) && !seen[p] {
				seen[p] = true
				libs = append(libs, p)
			}
		}
	}
	return libs
}
