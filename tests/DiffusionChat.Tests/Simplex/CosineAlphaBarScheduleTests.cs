using DiffusionChat.Sampling.Simplex;

namespace DiffusionChat.Tests.Simplex;

public class CosineAlphaBarScheduleTests
{
    [Fact]
    public void Schedule_is_clean_at_zero_and_almost_pure_noise_at_T()
    {
        var schedule = new CosineAlphaBarSchedule(10);

        Assert.Equal(1.0, schedule.AlphaBar(0), 12);
        // f(T) = cos(pi/2)^2: no signal left, up to double rounding.
        Assert.InRange(schedule.AlphaBar(10), 0, 1e-20);
        // One step before the end, (0.9 + s) / (1 + s) of the quarter period.
        Assert.InRange(schedule.AlphaBar(9), 0.0243, 0.0246);
    }

    [Fact]
    public void Schedule_decreases_strictly_and_is_about_half_at_the_midpoint()
    {
        var schedule = new CosineAlphaBarSchedule(1000);

        for (int t = 1; t <= 1000; t++)
        {
            Assert.True(schedule.AlphaBar(t) < schedule.AlphaBar(t - 1), $"alpha_bar({t}) >= alpha_bar({t - 1})");
        }

        Assert.Equal(0.5, schedule.AlphaBar(500), 3);
    }

    [Fact]
    public void Schedule_matches_the_cosine_formula_at_a_quarter()
    {
        var schedule = new CosineAlphaBarSchedule(4);
        static double F(double x) => Math.Pow(Math.Cos((x + 1e-4) / (1 + 1e-4) * Math.PI / 2), 2);

        Assert.Equal(F(0.25) / F(0), schedule.AlphaBar(1), 12);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Schedule_rejects_fewer_than_one_step(int steps)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAlphaBarSchedule(steps));
        Assert.Equal("totalSteps", ex.ParamName);
    }

    [Fact]
    public void Schedule_rejects_a_step_outside_zero_to_T()
    {
        var schedule = new CosineAlphaBarSchedule(5);

        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.AlphaBar(6));
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.AlphaBar(-1));
    }
}
