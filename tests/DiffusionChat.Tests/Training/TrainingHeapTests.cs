using DiffusionChat.Trainer.Training;

namespace DiffusionChat.Tests.Training;

/// <summary>The trainer keeps its large tensors on the heap unless the process chose its own malloc settings.</summary>
public class TrainingHeapTests
{
    [Fact]
    public void A_process_without_malloc_settings_gets_the_heap_reuse()
    {
        Assert.False(TrainingHeap.ChoseOwnMallocSettings(["PATH", "HOME", "DIFFUSIONCHAT_THREADS"], null));
        Assert.False(TrainingHeap.ChoseOwnMallocSettings(["PATH"], "glibc.rtld.nns=2"));
    }

    [Theory]
    [InlineData("MALLOC_MMAP_MAX_", null)]
    [InlineData("MALLOC_TRIM_THRESHOLD_", null)]
    [InlineData("MALLOC_ARENA_MAX", null)]
    [InlineData("PATH", "glibc.malloc.hugetlb=1")]
    public void A_process_that_chose_its_own_malloc_settings_keeps_them(string variable, string? tunables)
    {
        Assert.True(TrainingHeap.ChoseOwnMallocSettings(["PATH", variable], tunables));
    }
}
