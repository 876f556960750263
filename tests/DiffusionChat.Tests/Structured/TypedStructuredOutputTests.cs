using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace DiffusionChat.Tests.Structured;

/// <summary>
/// Typed structured output through the registered client, in the shapes Microsoft.Extensions.AI's own integration
/// tests ask for (a class with an enum and a nullable string, an array of it, int, bool, string, an enum): every request
/// returns a parsable result, whatever the tiny shipped model knows. Run once per shipped model family.
/// </summary>
public abstract class TypedStructuredOutputTests : IAsyncLifetime
{
    private ServiceProvider provider = null!;
    private IChatClient client = null!;

    public enum JobType
    {
        Surgeon,
        PopStar,
        Programmer,
        Unknown,
    }

    public Task InitializeAsync()
    {
        var services = new ServiceCollection();
        services.AddDiffusionChatClient(o => { o.ModelPath = RepoPaths.Path("models", ModelFolder); o.Device = "cpu"; });
        provider = services.BuildServiceProvider();
        client = provider.GetRequiredService<IChatClient>();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await provider.DisposeAsync();

    /// <summary>The shipped model folder under models/.</summary>
    protected abstract string ModelFolder { get; }

    [Fact]
    public async Task A_class_with_an_enum_property_parses()
    {
        var response = await client.GetResponseAsync<Person>("Who is described in the following sentence? Jimbo Smith is a 35-year-old programmer from Cardiff, Wales.");

        Assert.True(response.TryGetResult(out var person), response.Text);
        Assert.True(Enum.IsDefined(person!.Job));
    }

    [Fact]
    public async Task An_array_parses_within_the_item_bound()
    {
        var response = await client.GetResponseAsync<Person[]>("Who are described? Jimbo Smith is 35, Josh Simpson is 25.");

        Assert.True(response.TryGetResult(out var people), response.Text);
        Assert.InRange(people!.Length, 0, 4);
    }

    [Fact]
    public async Task Primitives_and_an_enum_parse()
    {
        var number = await client.GetResponseAsync<int>("There were 14 abstractions and we added one. How many are there now?");
        var flag = await client.GetResponseAsync<bool>("Is there at least one software developer from Cardiff?");
        var text = await client.GetResponseAsync<string>("What's his full name?");
        var job = await client.GetResponseAsync<JobType>("Taylor Swift is a famous singer and songwriter. What is her job?");

        Assert.True(number.TryGetResult(out _), number.Text);
        Assert.True(flag.TryGetResult(out _), flag.Text);
        Assert.True(text.TryGetResult(out _), text.Text);
        Assert.True(job.TryGetResult(out var value), job.Text);
        Assert.True(Enum.IsDefined(value));
    }

    [Fact]
    public async Task With_functions_offered_the_answer_after_the_function_result_parses()
    {
        var expected = new Person { FullName = "Jimbo Smith", AgeInYears = 35, HomeTown = "Cardiff", Job = JobType.Programmer };
        using var invoking = new FunctionInvokingChatClient(client);

        var response = await invoking.GetResponseAsync<Person>("Who is person with ID 123?", new ChatOptions
        {
            Tools = [AIFunctionFactory.Create((int personId) => expected, "GetPersonById")],
        });

        Assert.True(response.TryGetResult(out _), response.Text);
    }

    public sealed class Person
    {
        public string? FullName { get; set; }

        public int AgeInYears { get; set; }

        public string? HomeTown { get; set; }

        public JobType Job { get; set; }
    }
}

/// <summary>The masked model (scaffold values filled by <c>MaskedScaffoldFiller</c>).</summary>
public sealed class MaskedTypedStructuredOutputTests : TypedStructuredOutputTests
{
    protected override string ModelFolder => "dc-masked";
}

/// <summary>The autoregressive baseline (constrained decoding).</summary>
public sealed class AutoregressiveTypedStructuredOutputTests : TypedStructuredOutputTests
{
    protected override string ModelFolder => "dc-ar";
}

/// <summary>The simplex model (value blocks denoised by <c>SimplexScaffoldFiller</c>).</summary>
public sealed class SimplexTypedStructuredOutputTests : TypedStructuredOutputTests
{
    protected override string ModelFolder => "dc-simplex";
}
