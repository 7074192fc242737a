namespace Scriptable.Engine.Yaml;

/// <summary>What is wrong with a key of a mapping.</summary>
internal enum YamlKeyProblem
{
    /// <summary>Not one of the keys known there.</summary>
    Unknown,

    /// <summary>Given a second time.</summary>
    Repeated,
}
