using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Scriptable.Engine.Protocol;
using Scriptable.Engine.Transfers;

namespace Scriptable.Engine.Tests.Transfers;

/// <summary>NOTIFY against a real UDP socket on loopback that plays the secondary (answering, late or never).</summary>
public sealed class NotifySenderTests
{
    [Theory]
    [InlineData(1, 1, 0)]   // answered at once
    [InlineData(3, 1, 0)]   // answered on the third try
    [InlineData(99, 0, 1)]  // never answered: every try, then failed
    public async Task Notify_SecondaryAnswersOnTry_TriesUntilAnswered(int answerOn, long answered, long failed)
    {
        using var secondary = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        secondary.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var sender = new NotifySender(NullLogger.Instance, TimeProvider.System, TimeSpan.FromMilliseconds(50));
        var zone = ZoneVersionsTests.Zone(7);
        var target = new NotifyTarget((IPEndPoint)secondary.LocalEndPoint!, TransferPipeline.Key);

        sender.Notify(zone, [target]);

        var received = 0;
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (received < Math.Min(answerOn, NotifySender.Tries))
        {
            var from = new IPEndPoint(IPAddress.Any, 0);
            var result = await secondary.ReceiveFromAsync(buffer, SocketFlags.None, from, timeout.Token);
            received++;
            Assert.Equal(OpCode.Notify, (buffer[2] >> 3) & 0xF);
            Assert.Equal(1, buffer[11] & 0xFF); // the TSIG record
            if (received == answerOn)
            {
                var answer = buffer[..result.ReceivedBytes];
                answer[2] |= 0x80;
                await secondary.SendToAsync(answer, SocketFlags.None, result.RemoteEndPoint);
            }
        }

        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (sender.Answered + sender.Failed == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(answered, sender.Answered);
        Assert.Equal(failed, sender.Failed);
        Assert.Equal(Math.Min(answerOn, NotifySender.Tries), sender.Sent);
    }
}
