// The lab server (lab/server.ps1 starts it): compiled with KmsLab.Types.cs by KmsLab.psm1.
using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace KmsLab
{
    /// <summary>
    /// Standard input as each script run sees it: the SSH bootstrap reads [Console]::In.ReadToEnd(), and
    /// every run in the lab has its own stdin, chosen by the runspace running it.
    /// </summary>
    public sealed class LabStdin : TextReader
    {
        private static readonly ConcurrentDictionary<Guid, StringReader> Inputs =
            new ConcurrentDictionary<Guid, StringReader>();
        public static void Set(Guid runspace, string text) { Inputs[runspace] = new StringReader(text ?? ""); }
        public static void Clear(Guid runspace)
        {
            StringReader r;
            Inputs.TryRemove(runspace, out r);
        }
        private static TextReader Current()
        {
            var rs = Runspace.DefaultRunspace;
            StringReader r;
            if (rs != null && Inputs.TryGetValue(rs.InstanceId, out r)) return r;
            return StringReader.Null;
        }
        public override int Peek() { return Current().Peek(); }
        public override int Read() { return Current().Read(); }
        public override string ReadLine() { return Current().ReadLine(); }
        public override string ReadToEnd() { return Current().ReadToEnd(); }
    }

    /// <summary>
    /// The lab server: one pwsh process, requests as JSON lines on stdin, one JSON line per answer on stdout
    /// (in completion order; each carries its id). A request takes one runspace (the lab module imported)
    /// for its whole run; requests for different machines run in parallel on different runspaces.
    /// A script runs at the top level of its runspace, in the global session state, as powershell -File
    /// runs it, so that the lab module's functions keep their own $script: scope.
    /// </summary>
    public static class LabServer
    {
        public static void Run(string modulePath, int runspaces)
        {
            var input = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false));
            var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false));
            output.AutoFlush = true;
            var errorWriter = new StreamWriter(Console.OpenStandardError(), new UTF8Encoding(false));
            errorWriter.AutoFlush = true;
            Console.SetIn(new LabStdin());
            // Nothing a script does may write into the protocol stream.
            Console.SetOut(errorWriter);

            var iss = InitialSessionState.CreateDefault2();
            iss.ImportPSModule(new[] { modulePath });
            var count = Math.Max(1, runspaces);
            var runspaceList = new Runspace[count];
            var opened = new Task[count];
            for (int i = 0; i < count; i++)
            {
                int slot = i;
                opened[i] = Task.Run(() =>
                {
                    var rs = RunspaceFactory.CreateRunspace(iss);
                    rs.Open();
                    runspaceList[slot] = rs;
                });
            }
            Task.WaitAll(opened);
            var writeLock = new object();
            // Requests wait in this queue, not on thread-pool threads: a request blocked on a busy runspace
            // would hold a pool thread, and with hundreds queued (a rehearsal sends every client's step at
            // once) the pool starves: PowerShell's own pool work (a runspace's first command) then waits
            // for the pool to grow by about one thread a second (bench/lab.ts measured minutes).
            var queue = new BlockingCollection<string>();
            var workers = new Thread[count];
            for (int i = 0; i < count; i++)
            {
                var rs = runspaceList[i];
                workers[i] = new Thread(() =>
                {
                    foreach (var request in queue.GetConsumingEnumerable())
                    {
                        string answer;
                        try
                        {
                            answer = Handle(rs, request);
                        }
                        catch (Exception ex)
                        {
                            answer = ErrorAnswer(request, "lab server: " + ex.Message);
                        }
                        lock (writeLock) { output.WriteLine(answer); }
                    }
                });
                workers[i].IsBackground = true;
                workers[i].Start();
            }
            lock (writeLock) { output.WriteLine("{\"ready\":true}"); }
            string line;
            while ((line = input.ReadLine()) != null)
            {
                if (line.Trim().Length == 0) continue;
                queue.Add(line);
            }
            queue.CompleteAdding();
            foreach (var w in workers) w.Join();
            foreach (var rs in runspaceList) rs.Dispose();
        }

        private static string Handle(Runspace rs, string request)
        {
            string answer;
            using (var ps = PowerShell.Create())
            {
                ps.Runspace = rs;
                ps.AddCommand("Invoke-LabRequest").AddParameter("Json", request);
                var results = ps.Invoke();
                answer = results.Count > 0 && results[results.Count - 1] != null
                    ? results[results.Count - 1].ToString()
                    : null;
                if (answer == null)
                {
                    var sb = new StringBuilder();
                    foreach (var e in ps.Streams.Error) sb.AppendLine(e.ToString());
                    return ErrorAnswer(request, "lab server: no answer. " + sb);
                }
            }
            using (var doc = System.Text.Json.JsonDocument.Parse(answer))
            {
                System.Text.Json.JsonElement invoke;
                if (!doc.RootElement.TryGetProperty("invoke", out invoke)) return answer;
                var id = doc.RootElement.GetProperty("id").GetRawText();
                System.Text.Json.JsonElement fileElement;
                var file = doc.RootElement.TryGetProperty("file", out fileElement) && fileElement.ValueKind == System.Text.Json.JsonValueKind.String
                    ? fileElement.GetString() : null;
                System.Text.Json.JsonElement stdinElement;
                string stdin = doc.RootElement.TryGetProperty("stdin", out stdinElement) && stdinElement.ValueKind == System.Text.Json.JsonValueKind.String
                    ? stdinElement.GetString() : "";
                System.Text.Json.JsonElement envElement;
                if (doc.RootElement.TryGetProperty("env", out envElement) && envElement.ValueKind == System.Text.Json.JsonValueKind.Object)
                {
                    // The machine's own %ProgramData%, %TEMP%, %COMPUTERNAME%: environment variables are
                    // per process, so a lab server runs one script at a time (tools/lab runs several servers).
                    foreach (var p in envElement.EnumerateObject()) Environment.SetEnvironmentVariable(p.Name, p.Value.GetString());
                }
                try
                {
                    return RunScript(rs, id, invoke.GetString(), stdin);
                }
                finally
                {
                    if (file != null) { try { File.Delete(file); } catch (Exception) { } }
                }
            }
        }

        private static string RunScript(Runspace rs, string id, string invocation, string stdin)
        {
            var stdout = new StringBuilder();
            var stderr = new StringBuilder();
            int exitCode = 0;
            rs.SessionStateProxy.SetVariable("LASTEXITCODE", 0);
            LabStdin.Set(rs.InstanceId, stdin);
            try
            {
                using (var ps = PowerShell.Create())
                {
                    ps.Runspace = rs;
                    ps.AddScript(invocation);
                    try
                    {
                        foreach (var item in ps.Invoke()) Append(item, stdout, stderr);
                        foreach (var e in ps.Streams.Error) stderr.Append(FormatError(e));
                        var last = rs.SessionStateProxy.GetVariable("LASTEXITCODE");
                        if (last != null)
                        {
                            var o = last is PSObject ? ((PSObject)last).BaseObject : last;
                            exitCode = Convert.ToInt32(o);
                        }
                    }
                    catch (RuntimeException ex)
                    {
                        // A terminating error ends powershell -File with exit code 1.
                        stderr.Append(FormatError(ex.ErrorRecord));
                        exitCode = 1;
                    }
                }
            }
            finally
            {
                LabStdin.Clear(rs.InstanceId);
            }
            return "{\"id\":" + id + ",\"exitCode\":" + exitCode + ",\"stdout\":" +
                System.Text.Json.JsonSerializer.Serialize(stdout.ToString()) + ",\"stderr\":" +
                System.Text.Json.JsonSerializer.Serialize(stderr.ToString()) + "}";
        }

        private static void Append(PSObject item, StringBuilder stdout, StringBuilder stderr)
        {
            if (item == null) return;
            var o = item.BaseObject;
            var info = o as InformationRecord;
            if (info != null)
            {
                var host = info.MessageData as HostInformationMessage;
                if (host != null)
                {
                    stdout.Append(host.Message);
                    if (host.NoNewLine != true) stdout.Append("\r\n");
                }
                else stdout.Append(Convert.ToString(info.MessageData) + "\r\n");
                return;
            }
            var err = o as ErrorRecord;
            if (err != null) { stderr.Append(FormatError(err)); return; }
            var warning = o as WarningRecord;
            if (warning != null) { stdout.Append("WARNING: " + warning.Message + "\r\n"); return; }
            var verbose = o as VerboseRecord;
            if (verbose != null) { stdout.Append("VERBOSE: " + verbose.Message + "\r\n"); return; }
            var debug = o as DebugRecord;
            if (debug != null) { stdout.Append("DEBUG: " + debug.Message + "\r\n"); return; }
            stdout.Append(item.ToString() + "\r\n");
        }

        /// <summary>Windows PowerShell 5.1's NormalView of an error, as -File writes it to stderr.</summary>
        private static string FormatError(ErrorRecord e)
        {
            var text = e.Exception != null ? e.Exception.Message : e.ToString();
            if (e.InvocationInfo != null && e.InvocationInfo.MyCommand != null)
                text = e.InvocationInfo.MyCommand.Name + " : " + text;
            return text + "\r\n    + CategoryInfo          : " + e.CategoryInfo +
                "\r\n    + FullyQualifiedErrorId : " + e.FullyQualifiedErrorId + "\r\n";
        }

        private static string ErrorAnswer(string request, string message)
        {
            string id = "null";
            try
            {
                using (var doc = System.Text.Json.JsonDocument.Parse(request))
                {
                    System.Text.Json.JsonElement e;
                    if (doc.RootElement.TryGetProperty("id", out e)) id = e.GetRawText();
                }
            }
            catch (Exception) { }
            return "{\"id\":" + id + ",\"fatal\":" + System.Text.Json.JsonSerializer.Serialize(message) + "}";
        }
    }
}
