using DiffusionChat.Devices;

namespace DiffusionChat.Tests.Devices;

/// <summary>
/// The C heap keeps freed tensor-sized blocks for reuse unless the process chose its own malloc settings.
/// </summary>
public class NativeHeapReuseTests
{
    [Fact]
    public void A_process_without_malloc_settings_gets_the_reuse_thresholds()
    {
        Assert.True(NativeHeapReuse.ShouldApply(_ => null));
        Assert.True(NativeHeapReuse.ShouldApply(name => name == "GLIBC_TUNABLES" ? "glibc.rtld.optional_static_tls=4096" : null));
        Assert.Equal(32 << 20, NativeHeapReuse.MmapThreshold);
        Assert.True(NativeHeapReuse.TrimThreshold >= NativeHeapReuse.MmapThreshold);
    }

    [Theory]
    [InlineData("MALLOC_MMAP_THRESHOLD_", "131072")]
    [InlineData("MALLOC_TRIM_THRESHOLD_", "131072")]
    [InlineData("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=131072")]
    [InlineData("GLIBC_TUNABLES", "glibc.rtld.nns=2:glibc.malloc.arena_max=1")]
    public void A_process_that_chose_its_own_malloc_settings_keeps_them(string name, string value)
    {
        Assert.False(NativeHeapReuse.ShouldApply(n => n == name ? value : null));
    }
}
