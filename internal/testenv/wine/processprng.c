/*
 * bcryptprimitives.dll for Wine 8, which lacks it: Go 1.24 and later load
 * it from system32 at start and call ProcessPrng for random bytes. This
 * one fills the buffer from advapi32's SystemFunction036 (RtlGenRandom),
 * which Wine implements. Test use only (internal/testenv/wine.go builds it
 * with x86_64-w64-mingw32-gcc into the test's Wine prefix).
 */
#include <windows.h>

typedef BOOLEAN (WINAPI *genrandom_fn)(PVOID, ULONG);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	static genrandom_fn genrandom;
	if (!genrandom) {
		HMODULE advapi = LoadLibraryA("advapi32.dll");
		if (!advapi)
			return FALSE;
		genrandom = (genrandom_fn)GetProcAddress(advapi, "SystemFunction036");
		if (!genrandom)
			return FALSE;
	}
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!genrandom(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
