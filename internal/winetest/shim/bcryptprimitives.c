/*
 * A stand-in for Windows' bcryptprimitives.dll, for running Go programs under
 * Wine 8.0 in the tests only. Go 1.22 and later get their random numbers from
 * ProcessPrng, which Wine 8.0's bcryptprimitives.dll lacks: without this, a Go
 * program dies at start with "bcryptprimitives.dll not found". It is never
 * part of what users get: real Windows (10 and later) has ProcessPrng.
 *
 * ProcessPrng fills the buffer from RtlGenRandom (advapi32's
 * SystemFunction036), the system's cryptographic generator under Wine too.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
	/* RtlGenRandom takes a ULONG length: fill larger buffers in parts. */
	while (size > 0) {
		ULONG part = size > 0x40000000 ? 0x40000000 : (ULONG)size;
		if (!SystemFunction036(data, part))
			return FALSE;
		data += part;
		size -= part;
	}
	return TRUE;
}
