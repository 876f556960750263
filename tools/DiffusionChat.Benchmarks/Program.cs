using DiffusionChat.Benchmarks;


// Commands:
//   make-tiny <dir> [--tokenizer DIR]       write random masked (dir/tiny-masked), autoregressive (dir/tiny-ar) and Dream
//                                           (dir/tiny-dream) folders
//   run --masked DIR [--simplex DIR] [--ar DIR] [--quick]   sweep and write docs/benchmarks.md + docs/img/*.png
//   soak --masked DIR [--requests 1000]     memory growth over many requests, written into docs/reliability.md
//   http --masked DIR [--ar DIR]            DiffusionChat.Server over loopback HTTP vs in-process at 1, 8, 32 clients,
//                                           written into its own section of docs/benchmarks.md (kept by run)
//   forward [--masked DIR] [--ar DIR] [--simplex DIR] [--batch 8] [--rounds 5]
//                                           where a forward pass spends its time; matmul peak and each model's pass
//                                           and sampler step as a share of it at 1 and 2 threads; batch 8 vs batch 1;
//                                           the autoregressive decoder; the simplex sampler (own section, kept by run)

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

return await BenchmarkProgram.RunAsync(args, Console.Error, cancellation.Token);
