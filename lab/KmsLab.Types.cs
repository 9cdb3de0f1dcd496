// Types for the KMS lab (lab/KmsLab.psm1). Compiled once by Add-Type when the lab server starts.
//
// PowerShell 7 on Linux has no libmi, so Microsoft.Management.Infrastructure.CimInstance cannot be built
// here. These classes carry the same member names the scripts use (CimInstanceProperties[name].Value,
// CimSystemProperties, CimClass) and the exception is a real CimException subclass whose ErrorData is an
// MSFT_WmiError-like instance with error_Code (uint32) = the HRESULT, as Windows reports SPP failures.
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
    /// <summary>One property of a lab CIM instance (like Microsoft.Management.Infrastructure.CimProperty).</summary>
    public sealed class CimProperty
    {
        public CimProperty(string name, object value, string cimType)
        {
            Name = name;
            Value = value;
            CimType = cimType;
            Flags = "Property, ReadOnly" + (value == null ? ", NullValue" : "");
        }
        public string Name { get; private set; }
        public object Value { get; set; }
        public string CimType { get; private set; }
        public string Flags { get; private set; }
        public bool IsValueModified { get { return false; } }
        public override string ToString()
        {
            return Name + " = " + (Value == null ? "" : Value.ToString());
        }
    }

    /// <summary>CimInstanceProperties: indexed by name (case-insensitive), null for a missing name.</summary>
    public sealed class CimPropertyCollection : IEnumerable<CimProperty>
    {
        private readonly List<CimProperty> _list = new List<CimProperty>();
        private readonly Dictionary<string, CimProperty> _byName =
            new Dictionary<string, CimProperty>(StringComparer.OrdinalIgnoreCase);
        public void Add(CimProperty property)
        {
            _list.Add(property);
            _byName[property.Name] = property;
        }
        public CimProperty this[string name]
        {
            get
            {
                CimProperty p;
                return _byName.TryGetValue(name, out p) ? p : null;
            }
        }
        public int Count { get { return _list.Count; } }
        public IEnumerator<CimProperty> GetEnumerator() { return _list.GetEnumerator(); }
        IEnumerator IEnumerable.GetEnumerator() { return _list.GetEnumerator(); }
    }

    public sealed class CimSystemProperties
    {
        public CimSystemProperties(string ns, string className, string serverName)
        {
            Namespace = ns;
            ClassName = className;
            ServerName = serverName;
        }
        public string Namespace { get; private set; }
        public string ClassName { get; private set; }
        public string ServerName { get; private set; }
        public string Path { get { return null; } }
    }

    public sealed class CimClass
    {
        public CimClass(string ns, string className)
        {
            CimSystemProperties = new CimSystemProperties(ns, className, null);
            CimClassName = className;
        }
        public string CimClassName { get; private set; }
        public CimSystemProperties CimSystemProperties { get; private set; }
        public override string ToString() { return CimSystemProperties.Namespace + ":" + CimClassName; }
    }

    /// <summary>A CIM instance of the lab. The lab module adds each property as a note property too.</summary>
    public sealed class CimInstance
    {
        public CimInstance(string className, string ns, string serverName, string keyName, string keyValue)
        {
            CimInstanceProperties = new CimPropertyCollection();
            CimSystemProperties = new CimSystemProperties(ns, className, serverName);
            CimClass = new CimClass(ns, className);
            KeyName = keyName;
            KeyValue = keyValue;
        }
        public CimPropertyCollection CimInstanceProperties { get; private set; }
        public CimSystemProperties CimSystemProperties { get; private set; }
        public CimClass CimClass { get; private set; }
        /// <summary>Lab bookkeeping: which key property identifies the instance.</summary>
        public string KeyName { get; private set; }
        public string KeyValue { get; private set; }
        public override string ToString()
        {
            return CimSystemProperties.ClassName + " (" + KeyName + " = \"" + KeyValue + "\")";
        }
    }

    /// <summary>Fast builders for the PowerShell side (PowerShell's own cmdlets are slow at lab volume).</summary>
    public static class LabFast
    {
        /// <summary>A CIM instance wrapped in a PSObject with each property also as a note property.</summary>
        public static PSObject NewInstance(string className, string serverName, string keyName, string keyValue,
            System.Collections.Specialized.OrderedDictionary props, Hashtable types)
        {
            var inst = new CimInstance(className, "root/cimv2", serverName, keyName, keyValue);
            var pso = PSObject.AsPSObject(inst);
            foreach (DictionaryEntry e in props)
            {
                var name = (string)e.Key;
                var type = types != null && types.ContainsKey(name) ? (string)types[name] : "String";
                var value = e.Value is PSObject ? ((PSObject)e.Value).BaseObject : e.Value;
                inst.CimInstanceProperties.Add(new CimProperty(name, value, type));
                pso.Properties.Add(new PSNoteProperty(name, value));
            }
            pso.Properties.Add(new PSNoteProperty("PSComputerName", null));
            pso.TypeNames.Insert(0, "Microsoft.Management.Infrastructure.CimInstance");
            pso.TypeNames.Insert(0, "Microsoft.Management.Infrastructure.CimInstance#root/cimv2/" + className);
            pso.TypeNames.Insert(0, "Microsoft.Management.Infrastructure.CimInstance#" + className);
            return pso;
        }

        /// <summary>JSON text to Hashtable / ArrayList / string / long / double / bool / null.</summary>
        public static object ParseJson(string text)
        {
            using (var doc = System.Text.Json.JsonDocument.Parse(text))
            {
                return Convert(doc.RootElement);
            }
        }

        private static object Convert(System.Text.Json.JsonElement e)
        {
            switch (e.ValueKind)
            {
                case System.Text.Json.JsonValueKind.Object:
                    var h = new Hashtable(StringComparer.OrdinalIgnoreCase);
                    foreach (var p in e.EnumerateObject()) h[p.Name] = Convert(p.Value);
                    return h;
                case System.Text.Json.JsonValueKind.Array:
                    var list = new ArrayList();
                    foreach (var item in e.EnumerateArray()) list.Add(Convert(item));
                    return list;
                case System.Text.Json.JsonValueKind.String:
                    return e.GetString();
                case System.Text.Json.JsonValueKind.Number:
                    long l;
                    if (e.TryGetInt64(out l)) return l;
                    return e.GetDouble();
                case System.Text.Json.JsonValueKind.True:
                    return true;
                case System.Text.Json.JsonValueKind.False:
                    return false;
                default:
                    return null;
            }
        }

        /// <summary>Hashtables, lists and primitives to indented JSON.</summary>
        public static string ToJson(object value) { return ToJson(value, true); }

        public static string ToJson(object value, bool indented)
        {
            var buffer = new MemoryStream();
            using (var w = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Indented = indented }))
            {
                Write(w, value);
            }
            return Encoding.UTF8.GetString(buffer.ToArray());
        }

        private static void Write(System.Text.Json.Utf8JsonWriter w, object value)
        {
            if (value is PSObject) value = ((PSObject)value).BaseObject;
            if (value == null) { w.WriteNullValue(); return; }
            var dict = value as IDictionary;
            if (dict != null)
            {
                w.WriteStartObject();
                var keys = new List<string>();
                foreach (var k in dict.Keys) keys.Add(k.ToString());
                keys.Sort(StringComparer.Ordinal);
                foreach (var k in keys) { w.WritePropertyName(k); Write(w, dict[k]); }
                w.WriteEndObject();
                return;
            }
            if (value is string) { w.WriteStringValue((string)value); return; }
            if (value is bool) { w.WriteBooleanValue((bool)value); return; }
            if (value is int || value is long || value is uint || value is short || value is ushort || value is byte)
            {
                w.WriteNumberValue(System.Convert.ToInt64(value));
                return;
            }
            if (value is double || value is float || value is decimal) { w.WriteNumberValue(System.Convert.ToDouble(value)); return; }
            if (value is DateTime) { w.WriteStringValue(((DateTime)value).ToString("o")); return; }
            var seq = value as IEnumerable;
            if (seq != null)
            {
                w.WriteStartArray();
                foreach (var item in seq) Write(w, item);
                w.WriteEndArray();
                return;
            }
            w.WriteStringValue(value.ToString());
        }
    }

    /// <summary>
    /// What Invoke-CimMethod throws on Windows when a licensing method fails: a CimException (NativeErrorCode
    /// Failed) whose ErrorData is an MSFT_WmiError instance carrying error_Code = the HRESULT (uint32) and
    /// MessageID "HRESULT 0x...", which becomes the start of the FullyQualifiedErrorId (CimWriteError.cs).
    /// </summary>
    public sealed class LabCimException : Microsoft.Management.Infrastructure.CimException
    {
        private readonly CimInstance _errorData;
        private readonly string _messageId;
        public LabCimException(string message, CimInstance errorData, string messageId)
            : base(message)
        {
            _errorData = errorData;
            _messageId = messageId;
        }
        public new CimInstance ErrorData { get { return _errorData; } }
        public new string MessageId { get { return _messageId; } }
        public new Microsoft.Management.Infrastructure.NativeErrorCode NativeErrorCode
        {
            get { return Microsoft.Management.Infrastructure.NativeErrorCode.Failed; }
        }
        public new string ErrorSource { get { return null; } }
        public new int StatusCode { get { return 1; } }
    }

    /// <summary>
    /// An exclusive lock on a file, for state writes shared between runspaces and lab processes.
    /// </summary>
    public sealed class LabLock : IDisposable
    {
        private FileStream _stream;
        private LabLock(FileStream stream) { _stream = stream; }
        public static LabLock Acquire(string path, int timeoutMs)
        {
            var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
            while (true)
            {
                try
                {
                    var fs = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                    return new LabLock(fs);
                }
                catch (IOException)
                {
                    if (DateTime.UtcNow > deadline) throw new TimeoutException("lab: could not lock " + path);
                    Thread.Sleep(1);
                }
            }
        }
        public void Dispose()
        {
            if (_stream != null) { _stream.Dispose(); _stream = null; }
        }
    }
}
