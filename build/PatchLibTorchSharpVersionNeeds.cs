// MSBuild inline task (compiled by RoslynCodeTaskFactory). See LibTorchSharpCompat.targets for the why.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class PatchLibTorchSharpVersionNeeds : Task
{
    const string LibraryName = "libLibTorchSharp.so";
    const string MissingVersion = "GLIBCXX_3.4.32";
    // The only symbol libLibTorchSharp.so takes from GLIBCXX_3.4.32: a link-time anchor emitted by GCC 13's
    // <iostream>, referenced but never called.
    const string OnlySymbol = "_ZSt21ios_base_library_initv";
    const uint ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff, ShtDynsym = 11, ShtRela = 4, ShtRel = 9;
    const ushort VerFlagWeak = 0x2;

    static readonly string[] SystemLibstdcxx =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
    };

    public string[] Directories { get; set; } = Array.Empty<string>();

    [Output]
    public string[] Patched { get; set; } = Array.Empty<string>();

    public override bool Execute()
    {
        string? system = null;
        foreach (var candidate in SystemLibstdcxx)
            if (File.Exists(candidate)) { system = candidate; break; }
        if (system is null)
        {
            Log.LogMessage(MessageImportance.Low, "LibTorchSharpCompat: no system libstdc++.so.6 found; nothing to do.");
            return true;
        }
        if (Contains(File.ReadAllBytes(system), Encoding.ASCII.GetBytes(MissingVersion + "\0")))
        {
            Log.LogMessage(MessageImportance.Low, $"LibTorchSharpCompat: {system} provides {MissingVersion}; nothing to do.");
            return true;
        }

        var patched = new List<string>();
        foreach (var dir in Directories)
        {
            if (!Directory.Exists(dir)) continue;
            foreach (var file in Directory.EnumerateFiles(dir, LibraryName, SearchOption.AllDirectories))
            {
                string? error = TryPatch(file, out bool changed);
                if (error != null) { Log.LogError($"LibTorchSharpCompat: cannot patch '{file}': {error}"); return false; }
                if (changed) { patched.Add(file); Log.LogMessage(MessageImportance.Normal, $"LibTorchSharpCompat: marked {MissingVersion} weak in {file}"); }
            }
        }
        Patched = patched.ToArray();
        return true;
    }

    static string? TryPatch(string path, out bool changed)
    {
        changed = false;
        byte[] b = File.ReadAllBytes(path);
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F') return "not an ELF file";
        if (b[4] != 2 || b[5] != 1) return "only 64-bit little-endian ELF is supported";

        long shoff = (long)BitConverter.ToUInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3A), shnum = BitConverter.ToUInt16(b, 0x3C);
        if (shoff <= 0 || shoff + (long)shentsize * shnum > b.Length) return "section headers out of range";

        Section[] sections = new Section[shnum];
        for (int i = 0; i < shnum; i++)
        {
            int h = checked((int)(shoff + (long)i * shentsize));
            sections[i] = new Section(BitConverter.ToUInt32(b, h + 4), checked((int)BitConverter.ToUInt64(b, h + 0x18)),
                checked((int)BitConverter.ToUInt64(b, h + 0x20)), (int)BitConverter.ToUInt32(b, h + 0x28),
                (int)BitConverter.ToUInt32(b, h + 0x2C), checked((int)BitConverter.ToUInt64(b, h + 0x38)));
        }

        int verneedIdx = Array.FindIndex(sections, s => s.Type == ShtGnuVerneed);
        if (verneedIdx < 0) return null; // no version requirements at all: loads anywhere
        Section verneed = sections[verneedIdx];
        Section strtab = sections[verneed.Link];

        // Find the vernaux entry for GLIBCXX_3.4.32 (and its version index).
        int auxFlagsOffset = -1; ushort versionIndex = 0; bool alreadyWeak = false;
        int vn = verneed.Offset;
        for (int n = 0; n < verneed.Info; n++)
        {
            int cnt = BitConverter.ToUInt16(b, vn + 2);
            int aux = vn + (int)BitConverter.ToUInt32(b, vn + 8);
            for (int a = 0; a < cnt; a++)
            {
                string name = CString(b, strtab.Offset + (int)BitConverter.ToUInt32(b, aux + 8));
                if (name == MissingVersion)
                {
                    auxFlagsOffset = aux + 4;
                    versionIndex = BitConverter.ToUInt16(b, aux + 6);
                    alreadyWeak = (BitConverter.ToUInt16(b, aux + 4) & VerFlagWeak) != 0;
                }
                aux += (int)BitConverter.ToUInt32(b, aux + 12);
            }
            vn += (int)BitConverter.ToUInt32(b, vn + 12);
        }
        if (auxFlagsOffset < 0 || alreadyWeak) return null;

        // Safety: every dynamic symbol bound to that version must be the never-called anchor, and no
        // relocation may refer to it; otherwise a weak requirement could hide a real missing function.
        int dynsymIdx = Array.FindIndex(sections, s => s.Type == ShtDynsym);
        int versymIdx = Array.FindIndex(sections, s => s.Type == ShtGnuVersym);
        if (dynsymIdx < 0 || versymIdx < 0) return "no dynamic symbol table or symbol versions";
        Section dynsym = sections[dynsymIdx], versym = sections[versymIdx], dynstr = sections[dynsym.Link];
        int symbols = dynsym.Size / 24;
        var bound = new HashSet<int>();
        for (int i = 0; i < symbols; i++)
        {
            if ((BitConverter.ToUInt16(b, versym.Offset + 2 * i) & 0x7fff) != versionIndex) continue;
            string name = CString(b, dynstr.Offset + (int)BitConverter.ToUInt32(b, dynsym.Offset + 24 * i));
            if (name != OnlySymbol) return $"symbol '{name}' also needs {MissingVersion}; a weak requirement would not be safe";
            bound.Add(i);
        }
        foreach (var s in sections)
        {
            if ((s.Type != ShtRela && s.Type != ShtRel) || s.Link != dynsymIdx) continue;
            int entry = s.Type == ShtRela ? 24 : 16;
            for (int r = s.Offset; r + entry <= s.Offset + s.Size; r += entry)
                if (bound.Contains((int)(BitConverter.ToUInt64(b, r + 8) >> 32)))
                    return $"a relocation refers to {OnlySymbol}; a weak requirement would not be safe";
        }

        BitConverter.GetBytes((ushort)(BitConverter.ToUInt16(b, auxFlagsOffset) | VerFlagWeak)).CopyTo(b, auxFlagsOffset);
        // Write a new file and move it over the output copy: never write through a hard link into the NuGet cache.
        string temp = path + ".compat-tmp";
        File.WriteAllBytes(temp, b);
        File.Delete(path);
        File.Move(temp, path);
        changed = true;
        return null;
    }

    readonly struct Section
    {
        public Section(uint type, int offset, int size, int link, int info, int entsize)
        { Type = type; Offset = offset; Size = size; Link = link; Info = info; EntSize = entsize; }
        public uint Type { get; }
        public int Offset { get; }
        public int Size { get; }
        public int Link { get; }
        public int Info { get; }
        public int EntSize { get; }
    }

    static string CString(byte[] b, int at)
    {
        int end = at;
        while (end < b.Length && b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, at, end - at);
    }

    static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }
}
